#include "common/ocicrypt/keyprovider_wrapper.hpp"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <nlohmann/json.hpp>

#include "common/base/atomic_file.hpp"

extern char** environ;

namespace coco::ocicrypt {
namespace {

constexpr std::size_t k_max_output = std::size_t{16} << 20;

// Go's []byte decoding accepts a base64 string; Rust providers send an array of numbers.
Result<Bytes> bytes_value(const nlohmann::json& v, std::string_view what) {
  if (v.is_string()) {
    auto b = base64_decode(v.get<std::string>());
    if (!b) {
      return make_error(Kind::invalid, std::string(what) + " is not base64");
    }
    return b;
  }
  if (v.is_array()) {
    Bytes out;
    out.reserve(v.size());
    for (const auto& n : v) {
      if (!n.is_number_unsigned() && !n.is_number_integer()) {
        return make_error(Kind::invalid, std::string(what) + " is not an array of bytes");
      }
      auto x = n.get<std::int64_t>();
      if (x < 0 || x > 255) {
        return make_error(Kind::invalid, std::string(what) + " holds a value outside 0..255");
      }
      out.push_back(static_cast<std::uint8_t>(x));
    }
    return out;
  }
  return make_error(Kind::invalid, std::string(what) + " is missing or neither a string nor an array");
}

struct Pipe {
  int fd[2] = {-1, -1};
  ~Pipe() {
    for (int f : fd) {
      if (f >= 0) {
        ::close(f);
      }
    }
  }
  void close_end(int i) {
    if (fd[i] >= 0) {
      ::close(fd[i]);
      fd[i] = -1;
    }
  }
};

struct Output {
  std::string out;
  std::string err;
  int status = 0;
};

Result<Output> run(const KeyProviderCommand& cmd, const std::string& input) {
  Pipe in;
  Pipe out;
  Pipe err;
  // stdin is a socket so that writing after the provider exits fails with EPIPE instead of SIGPIPE.
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in.fd) != 0 || ::pipe2(out.fd, O_CLOEXEC) != 0 || ::pipe2(err.fd, O_CLOEXEC) != 0) {
    return make_error(Kind::io, std::string("keyprovider: pipe: ") + std::strerror(errno));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in.fd[0], 0);
  posix_spawn_file_actions_adddup2(&actions, out.fd[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err.fd[1], 2);
  std::vector<std::string> args{cmd.path};
  args.insert(args.end(), cmd.args.begin(), cmd.args.end());
  std::vector<char*> argv;
  for (auto& a : args) {
    argv.push_back(a.data());
  }
  argv.push_back(nullptr);
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, cmd.path.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    return make_error(Kind::not_found, "keyprovider: cannot run " + cmd.path + ": " + std::strerror(rc));
  }
  in.close_end(0);
  out.close_end(1);
  err.close_end(1);
  ::fcntl(in.fd[1], F_SETFL, O_NONBLOCK);

  Output result;
  std::size_t written = 0;
  if (input.empty()) {
    in.close_end(1);
  }
  char buf[65536];
  while (out.fd[0] >= 0 || err.fd[0] >= 0) {
    pollfd fds[3];
    nfds_t n = 0;
    int idx_in = -1;
    int idx_out = -1;
    int idx_err = -1;
    if (in.fd[1] >= 0) {
      idx_in = static_cast<int>(n);
      fds[n++] = {in.fd[1], POLLOUT, 0};
    }
    if (out.fd[0] >= 0) {
      idx_out = static_cast<int>(n);
      fds[n++] = {out.fd[0], POLLIN, 0};
    }
    if (err.fd[0] >= 0) {
      idx_err = static_cast<int>(n);
      fds[n++] = {err.fd[0], POLLIN, 0};
    }
    if (::poll(fds, n, -1) < 0) {
      if (errno == EINTR) {
        continue;
      }
      break;
    }
    if (idx_in >= 0 && fds[idx_in].revents != 0) {
      ssize_t w = ::send(in.fd[1], input.data() + written, input.size() - written, MSG_NOSIGNAL);
      if (w > 0) {
        written += static_cast<std::size_t>(w);
      }
      if (w < 0 && errno != EAGAIN) {
        in.close_end(1);  // the provider closed its stdin
      } else if (written == input.size()) {
        in.close_end(1);
      }
    }
    for (auto [idx, pipe, target] : {std::tuple{idx_out, &out, &result.out}, std::tuple{idx_err, &err, &result.err}}) {
      if (idx >= 0 && fds[idx].revents != 0) {
        ssize_t r = ::read(pipe->fd[0], buf, sizeof(buf));
        if (r > 0 && target->size() < k_max_output) {
          target->append(buf, static_cast<std::size_t>(r));
        } else if (r == 0 || (r < 0 && errno != EINTR && errno != EAGAIN)) {
          pipe->close_end(0);
        }
      }
    }
  }
  in.close_end(1);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.status = status;
  return result;
}

nlohmann::json params_object(const std::string& name, const std::string& params) {
  return nlohmann::json{{"Parameters", {{name, nlohmann::json::array({base64_encode(params)})}}}};
}

} // namespace

Result<KeyProviderConfig> parse_keyprovider_config(std::string_view json) {
  nlohmann::json j = nlohmann::json::parse(json, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return make_error(Kind::invalid, "keyprovider config: not a JSON object");
  }
  KeyProviderConfig config;
  auto providers = j.find("key-providers");
  if (providers == j.end() || !providers->is_object()) {
    return make_error(Kind::invalid, "keyprovider config: missing \"key-providers\" object");
  }
  for (const auto& [name, entry] : providers->items()) {
    if (!entry.is_object()) {
      return make_error(Kind::invalid, "keyprovider config: provider \"" + name + "\" is not an object");
    }
    auto cmd = entry.find("cmd");
    if (cmd == entry.end()) {
      config.unsupported.push_back(name);
      continue;
    }
    if (!cmd->is_object() || !cmd->contains("path") || !(*cmd)["path"].is_string()) {
      return make_error(Kind::invalid, "keyprovider config: provider \"" + name + "\" has no cmd.path");
    }
    KeyProviderCommand c;
    c.path = (*cmd)["path"].get<std::string>();
    if (auto args = cmd->find("args"); args != cmd->end() && args->is_array()) {
      for (const auto& a : *args) {
        if (!a.is_string()) {
          return make_error(Kind::invalid, "keyprovider config: provider \"" + name + "\" has a non-string arg");
        }
        c.args.push_back(a.get<std::string>());
      }
    }
    config.commands.emplace(name, std::move(c));
  }
  return config;
}

Result<KeyProviderConfig> load_keyprovider_config_from_env() {
  const char* path = std::getenv("OCICRYPT_KEYPROVIDER_CONFIG");
  if (path == nullptr || *path == '\0') {
    return make_error(Kind::not_found, "OCICRYPT_KEYPROVIDER_CONFIG is not set",
                      "point it at a JSON file listing the key providers");
  }
  COCO_TRY(std::string text, read_file(path));
  auto config = parse_keyprovider_config(text);
  if (!config) {
    return std::move(config).error().context(path);
  }
  return config;
}

std::pair<std::string, std::string> split_provider_recipient(std::string_view value) {
  auto colon = value.find(':');
  if (colon == std::string_view::npos) {
    return {std::string(value), "Enabled"};
  }
  return {std::string(value.substr(0, colon)), std::string(value.substr(colon + 1))};
}

Result<std::string> KeyProviderKeyWrapper::call(const std::string& request) const {
  COCO_TRY(Output out, run(m_command, request));
  if (!WIFEXITED(out.status) || WEXITSTATUS(out.status) != 0) {
    std::string detail = out.err.substr(0, 400);
    while (!detail.empty() && (detail.back() == '\n' || detail.back() == '\r')) {
      detail.pop_back();
    }
    return make_error(Kind::failure, "keyprovider " + m_name + " (" + m_command.path + ") failed" +
                                         (detail.empty() ? std::string() : ": " + detail));
  }
  return out.out;
}

Result<Bytes> KeyProviderKeyWrapper::wrap(const Secret& private_options) {
  nlohmann::json ec = params_object(m_name, *m_wrap_params);
  ec["DecryptConfig"] = {{"Parameters", nlohmann::json::object()}};
  nlohmann::ordered_json request;
  request["op"] = "keywrap";
  request["keywrapparams"] = {{"ec", ec}, {"optsdata", base64_encode(private_options.bytes())}};
  request["keyunwrapparams"] = nlohmann::json::object();
  std::string text = request.dump();
  auto reply = call(text);
  secure_zero(text.data(), text.size());
  if (!reply) {
    return std::move(reply).error();
  }
  nlohmann::json j = nlohmann::json::parse(*reply, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("keywrapresults") || !j["keywrapresults"].is_object()) {
    return make_error(Kind::invalid, "keyprovider " + m_name + ": reply has no \"keywrapresults\"");
  }
  auto annotation = bytes_value(j["keywrapresults"].value("annotation", nlohmann::json()),
                                "keyprovider " + m_name + ": annotation");
  if (!annotation) {
    return std::move(annotation).error();
  }
  if (annotation->empty()) {
    return make_error(Kind::invalid, "keyprovider " + m_name + ": empty annotation");
  }
  return annotation;
}

Result<Secret> KeyProviderKeyWrapper::unwrap(std::span<const std::uint8_t> blob) {
  nlohmann::ordered_json request;
  request["op"] = "keyunwrap";
  request["keywrapparams"] = nlohmann::json::object();
  request["keyunwrapparams"] = {{"dc", params_object(m_name, m_unwrap_params)}, {"annotation", base64_encode(blob)}};
  COCO_TRY(std::string reply, call(request.dump()));
  nlohmann::json j = nlohmann::json::parse(reply, nullptr, false);
  secure_zero(reply.data(), reply.size());
  if (j.is_discarded() || !j.is_object() || !j.contains("keyunwrapresults") || !j["keyunwrapresults"].is_object()) {
    return make_error(Kind::auth, "keyprovider " + m_name + ": reply has no \"keyunwrapresults\"");
  }
  auto opts = bytes_value(j["keyunwrapresults"].value("optsdata", nlohmann::json()), "keyprovider " + m_name + ": optsdata");
  if (!opts) {
    return std::move(opts).error();
  }
  if (opts->empty()) {
    return make_error(Kind::auth, "keyprovider " + m_name + " could not unwrap the layer key");
  }
  return Secret(std::move(opts).value());
}

} // namespace coco::ocicrypt
