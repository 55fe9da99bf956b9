// A test-only front end over common/oci until the `coco` CLI carries `copy` and `inspect`:
//   coco_oci_driver copy [--all] [--platform P] [--src-creds U:P] [--dest-creds U:P] [--authfile F]
//                        [--src-tls-verify=false] [--dest-tls-verify=false] [--chunked] SRC DST
//   coco_oci_driver inspect [--raw|--config] [--platform P] [--creds U:P] [--authfile F] [--tls-verify=false] IMAGE
// Errors print as coco tools print them and exit with the documented codes.
#include <iostream>
#include <string>
#include <vector>

#include "common/oci/copy.hpp"
#include "common/oci/inspect.hpp"

namespace {

int fail(const coco::Error& e) {
  std::cerr << "coco_oci_driver: error: " << e.message << "\n";
  if (!e.hint.empty()) {
    std::cerr << "hint: " << e.hint << "\n";
  }
  return coco::exit_code_for(e.kind);
}

int usage(const std::string& why) {
  std::cerr << "coco_oci_driver: error: " << why << "\n";
  return 2;
}

} // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    return usage("missing command");
  }
  std::string command = args[0];
  coco::oci::CopyOptions copy;
  coco::oci::InspectOptions inspect;
  bool raw = false;
  bool config = false;
  std::vector<std::string> positional;
  for (std::size_t i = 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](const std::string& name) -> std::string {
      if (a.size() > name.size() && a[name.size()] == '=') {
        return a.substr(name.size() + 1);
      }
      if (i + 1 < args.size()) {
        return args[++i];
      }
      return {};
    };
    auto is = [&](const std::string& name) { return a == name || a.starts_with(name + "="); };
    if (a == "--all") {
      copy.all = true;
    } else if (a == "--raw") {
      raw = true;
    } else if (a == "--config") {
      config = true;
    } else if (a == "--chunked") {
      copy.dst_options.registry.chunked_upload = true;
    } else if (is("--platform")) {
      auto p = coco::oci::parse_platform(value("--platform"));
      if (!p) {
        return fail(p.error());
      }
      copy.platform = *p;
      inspect.platform = *p;
    } else if (is("--src-creds")) {
      copy.src_options.registry.creds = value("--src-creds");
    } else if (is("--dest-creds")) {
      copy.dst_options.registry.creds = value("--dest-creds");
    } else if (is("--creds")) {
      inspect.transport.registry.creds = value("--creds");
    } else if (is("--authfile")) {
      std::string f = value("--authfile");
      copy.src_options.registry.authfile = f;
      copy.dst_options.registry.authfile = f;
      inspect.transport.registry.authfile = f;
    } else if (is("--src-tls-verify")) {
      copy.src_options.registry.tls_verify = value("--src-tls-verify") != "false";
    } else if (is("--dest-tls-verify")) {
      copy.dst_options.registry.tls_verify = value("--dest-tls-verify") != "false";
    } else if (is("--tls-verify")) {
      inspect.transport.registry.tls_verify = value("--tls-verify") != "false";
    } else if (a.starts_with("--")) {
      return usage("unknown option " + a);
    } else {
      positional.push_back(a);
    }
  }
  // Tests want bounded waits on failures.
  copy.src_options.registry.initial_backoff_ms = 100;
  copy.dst_options.registry.initial_backoff_ms = 100;
  inspect.transport.registry.initial_backoff_ms = 100;
  try {
    if (command == "copy") {
      if (positional.size() != 2) {
        return usage("copy takes SRC and DST");
      }
      auto src = coco::oci::parse_image_reference(positional[0]);
      if (!src) {
        return fail(src.error());
      }
      auto dst = coco::oci::parse_image_reference(positional[1]);
      if (!dst) {
        return fail(dst.error());
      }
      auto result = coco::oci::copy_image(*src, *dst, copy);
      if (!result) {
        return fail(result.error());
      }
      std::cout << result->manifest_digest.str() << "\n";
      return 0;
    }
    if (command == "inspect") {
      if (positional.size() != 1) {
        return usage("inspect takes IMAGE");
      }
      auto ref = coco::oci::parse_image_reference(positional[0]);
      if (!ref) {
        return fail(ref.error());
      }
      inspect.fetch_config = !raw;
      auto result = coco::oci::inspect_image(*ref, inspect);
      if (!result) {
        return fail(result.error());
      }
      if (raw) {
        std::cout << result->raw_manifest;
      } else if (config) {
        std::cout << result->raw_config;
      } else {
        std::cout << result->to_json().dump(2) << "\n";
      }
      return 0;
    }
  } catch (const std::exception& e) {
    std::cerr << "coco_oci_driver: internal error: " << e.what() << "\n";
    return 70;
  }
  return usage("unknown command " + command);
}
