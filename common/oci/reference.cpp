#include "common/oci/reference.hpp"

#include <algorithm>
#include <charconv>
#include <vector>

namespace coco::oci {

namespace {

constexpr std::size_t k_name_total_length_max = 255;
constexpr std::string_view k_default_domain = "docker.io";
constexpr std::string_view k_legacy_default_domain = "index.docker.io";
constexpr std::string_view k_official_repo_prefix = "library/";

bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool is_alnum(char c) { return is_lower_alnum(c) || (c >= 'A' && c <= 'Z'); }
bool is_word(char c) { return is_alnum(c) || c == '_'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    auto pos = s.find(sep, start);
    if (pos == std::string_view::npos) {
      parts.push_back(s.substr(start));
      return parts;
    }
    parts.push_back(s.substr(start, pos - start));
    start = pos + 1;
  }
}

// [a-z0-9]+ ((\.|_|__|-+) [a-z0-9]+)*
bool valid_path_component(std::string_view c) {
  if (c.empty() || !is_lower_alnum(c.front()) || !is_lower_alnum(c.back())) {
    return false;
  }
  std::size_t i = 0;
  while (i < c.size()) {
    if (is_lower_alnum(c[i])) {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < c.size() && !is_lower_alnum(c[j])) {
      ++j;
    }
    std::string_view sep = c.substr(i, j - i);
    bool dashes = std::all_of(sep.begin(), sep.end(), [](char ch) { return ch == '-'; });
    if (!(sep == "." || sep == "_" || sep == "__" || dashes)) {
      return false;
    }
    i = j;
  }
  return true;
}

// [a-zA-Z0-9] | [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]
bool valid_domain_component(std::string_view c) {
  if (c.empty() || !is_alnum(c.front()) || !is_alnum(c.back())) {
    return false;
  }
  return std::all_of(c.begin(), c.end(), [](char ch) { return is_alnum(ch) || ch == '-'; });
}

// domain-component ('.' domain-component)* (':' [0-9]+)?
bool valid_domain(std::string_view d) {
  auto colon = d.find(':');
  std::string_view host = d.substr(0, colon);
  if (colon != std::string_view::npos) {
    std::string_view port = d.substr(colon + 1);
    if (port.empty() || !std::all_of(port.begin(), port.end(), is_digit)) {
      return false;
    }
  }
  auto parts = split(host, '.');
  return std::all_of(parts.begin(), parts.end(), valid_domain_component);
}

// [\w][\w.-]{0,127}
bool valid_tag(std::string_view t) {
  if (t.empty() || t.size() > 128 || !is_word(t.front())) {
    return false;
  }
  return std::all_of(t.begin(), t.end(), [](char ch) { return is_word(ch) || ch == '.' || ch == '-'; });
}

// distribution/reference's digest shape: [A-Za-z][A-Za-z0-9]*([-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}
bool digest_shape(std::string_view d) {
  auto colon = d.find(':');
  if (colon == std::string_view::npos) {
    return false;
  }
  std::string_view alg = d.substr(0, colon);
  std::string_view enc = d.substr(colon + 1);
  if (enc.size() < 32 || !std::all_of(enc.begin(), enc.end(), is_hex)) {
    return false;
  }
  bool need_alpha = true;
  for (char c : alg) {
    if (need_alpha) {
      if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) {
        return false;
      }
      need_alpha = false;
    } else if (c == '-' || c == '_' || c == '+' || c == '.') {
      need_alpha = true;
    } else if (!is_alnum(c)) {
      return false;
    }
  }
  return !need_alpha;
}

Error ref_error(std::string_view text, std::string_view why) {
  return make_error(Kind::usage, "invalid image reference '" + std::string(text) + "': " + std::string(why));
}

// Parses a fully qualified DOMAIN/PATH[:TAG][@DIGEST] (after normalisation).
Result<DockerReference> parse_qualified(std::string_view original, std::string_view s) {
  std::string_view rest = s;
  std::optional<Digest> digest;
  if (auto at = rest.find('@'); at != std::string_view::npos) {
    std::string_view d = rest.substr(at + 1);
    if (!digest_shape(d)) {
      return ref_error(original, "invalid reference format");
    }
    auto parsed = parse_digest(d);
    if (!parsed) {
      Error e = parsed.error();
      e.kind = e.kind == Kind::unsupported ? Kind::unsupported : Kind::usage;
      return std::move(e).context("invalid image reference '" + std::string(original) + "'");
    }
    digest = *parsed;
    rest = rest.substr(0, at);
  }
  std::string tag;
  auto last_colon = rest.rfind(':');
  auto last_slash = rest.rfind('/');
  if (last_colon != std::string_view::npos && (last_slash == std::string_view::npos || last_colon > last_slash)) {
    tag = std::string(rest.substr(last_colon + 1));
    rest = rest.substr(0, last_colon);
    if (!valid_tag(tag)) {
      return ref_error(original, "invalid reference format");
    }
  }
  auto slash = rest.find('/');
  if (slash == std::string_view::npos) {
    return ref_error(original, "invalid reference format");
  }
  std::string_view domain = rest.substr(0, slash);
  std::string_view path = rest.substr(slash + 1);
  if (!valid_domain(domain)) {
    return ref_error(original, "invalid reference format");
  }
  for (std::string_view component : split(path, '/')) {
    if (!valid_path_component(component)) {
      std::string lower(component);
      std::transform(lower.begin(), lower.end(), lower.begin(), [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); });
      if (valid_path_component(lower)) {
        return ref_error(original, "repository name must be lowercase");
      }
      return ref_error(original, "invalid reference format");
    }
  }
  if (rest.size() > k_name_total_length_max) {
    return ref_error(original, "repository name must not be more than 255 characters");
  }
  return DockerReference{std::string(domain), std::string(path), std::move(tag), std::move(digest)};
}

} // namespace

std::string_view transport_name(Transport t) {
  switch (t) {
  case Transport::oci: return "oci";
  case Transport::oci_archive: return "oci-archive";
  case Transport::docker: return "docker";
  case Transport::docker_archive: return "docker-archive";
  case Transport::dir: return "dir";
  }
  return "unknown";
}

std::string DockerReference::str() const {
  std::string s = name();
  if (!tag.empty()) {
    s += ":" + tag;
  }
  if (digest) {
    s += "@" + digest->str();
  }
  return s;
}

Result<DockerReference> parse_docker_reference(std::string_view text) {
  if (text.empty()) {
    return ref_error(text, "repository name must have at least one component");
  }
  if (text.size() == 64 && std::all_of(text.begin(), text.end(), [](char c) { return is_digit(c) || (c >= 'a' && c <= 'f'); })) {
    return ref_error(text, "cannot specify 64-byte hexadecimal strings as a repository name");
  }
  // splitDockerDomain: the first component is a domain only if it looks like one.
  std::string domain;
  std::string remainder;
  auto slash = text.find('/');
  if (slash == std::string_view::npos ||
      (text.substr(0, slash).find_first_of(".:") == std::string_view::npos && text.substr(0, slash) != "localhost")) {
    domain = k_default_domain;
    remainder = text;
  } else {
    domain = text.substr(0, slash);
    remainder = text.substr(slash + 1);
  }
  if (domain == k_legacy_default_domain) {
    domain = k_default_domain;
  }
  if (domain == k_default_domain && remainder.find('/') == std::string::npos) {
    remainder = std::string(k_official_repo_prefix) + remainder;
  }
  std::string remote_name = remainder.substr(0, remainder.find(':'));
  if (std::any_of(remote_name.begin(), remote_name.end(), [](char c) { return c >= 'A' && c <= 'Z'; })) {
    return ref_error(text, "repository name must be lowercase");
  }
  return parse_qualified(text, domain + "/" + remainder);
}

bool valid_oci_ref_name(std::string_view name) {
  // component ('/' component)*, component = alnum+ (separator alnum+)*, separator = [-._:@+] | "--"
  for (std::string_view component : split(name, '/')) {
    if (component.empty() || !is_alnum(component.front()) || !is_alnum(component.back())) {
      return false;
    }
    std::size_t i = 0;
    while (i < component.size()) {
      if (is_alnum(component[i])) {
        ++i;
        continue;
      }
      std::size_t j = i;
      while (j < component.size() && !is_alnum(component[j])) {
        ++j;
      }
      std::string_view sep = component.substr(i, j - i);
      bool single = sep.size() == 1 && std::string_view("-._:@+").find(sep[0]) != std::string_view::npos;
      if (!single && sep != "--") {
        return false;
      }
      i = j;
    }
  }
  return true;
}

std::string ImageReference::str() const {
  std::string s(transport_name(transport));
  switch (transport) {
  case Transport::docker:
    return s + "://" + docker->str();
  case Transport::oci:
  case Transport::oci_archive:
    s += ":" + path.string();
    if (!name.empty()) {
      s += ":" + name;
    }
    return s;
  case Transport::docker_archive:
    s += ":" + path.string();
    if (docker) {
      s += ":" + docker->str();
    } else if (source_index >= 0) {
      s += ":@" + std::to_string(source_index);
    }
    return s;
  case Transport::dir:
    return s + ":" + path.string();
  }
  return s;
}

Result<ImageReference> parse_image_reference(std::string_view text) {
  auto colon = text.find(':');
  if (colon == std::string_view::npos) {
    return make_error(Kind::usage, "invalid image reference '" + std::string(text) + "': missing transport",
                      "write TRANSPORT:DETAILS, e.g. oci:DIR:TAG, docker://HOST/REPO:TAG, dir:DIR");
  }
  std::string_view transport = text.substr(0, colon);
  std::string_view details = text.substr(colon + 1);
  ImageReference ref;
  if (transport == "docker") {
    ref.transport = Transport::docker;
    if (details.substr(0, 2) != "//") {
      return ref_error(text, "a docker reference must start with docker://");
    }
    COCO_TRY(DockerReference docker, parse_docker_reference(details.substr(2)));
    if (!docker.tag.empty() && docker.digest) {
      return ref_error(text, "docker references with both a tag and a digest are not supported");
    }
    if (docker.tag.empty() && !docker.digest) {
      docker.tag = "latest";
    }
    ref.docker = std::move(docker);
    return ref;
  }
  if (transport == "oci" || transport == "oci-archive" || transport == "docker-archive" || transport == "dir") {
    if (transport == "dir") {
      ref.transport = Transport::dir;
      if (details.empty()) {
        return ref_error(text, "empty path");
      }
      ref.path = std::string(details);
      return ref;
    }
    auto sep = details.find(':');
    std::string_view path = details.substr(0, sep);
    std::string_view rest = sep == std::string_view::npos ? std::string_view{} : details.substr(sep + 1);
    if (path.empty()) {
      return ref_error(text, "empty path");
    }
    ref.path = std::string(path);
    if (transport == "docker-archive") {
      ref.transport = Transport::docker_archive;
      if (sep == std::string_view::npos) {
        return ref;
      }
      if (!rest.empty() && rest.front() == '@') {
        std::string_view number = rest.substr(1);
        int index = -1;
        auto [ptr, ec] = std::from_chars(number.data(), number.data() + number.size(), index);
        if (number.empty() || ec != std::errc{} || ptr != number.data() + number.size() || index < 0) {
          return ref_error(text, "invalid source index '" + std::string(rest) + "'");
        }
        ref.source_index = index;
        return ref;
      }
      COCO_TRY(DockerReference docker, parse_docker_reference(rest));
      if (docker.digest) {
        return ref_error(text, "docker-archive does not support digest references");
      }
      if (docker.tag.empty()) {
        docker.tag = "latest";
      }
      ref.docker = std::move(docker);
      return ref;
    }
    ref.transport = transport == "oci" ? Transport::oci : Transport::oci_archive;
    if (!rest.empty() && !valid_oci_ref_name(rest)) {
      return ref_error(text, "invalid image name '" + std::string(rest) + "'");
    }
    ref.name = std::string(rest);
    return ref;
  }
  return make_error(Kind::usage, "invalid image reference '" + std::string(text) + "': unknown transport '" +
                                     std::string(transport) + "'",
                    "transports: oci, oci-archive, docker, docker-archive, dir");
}

} // namespace coco::oci
