// A command keyprovider for the tests: speaks the ocicrypt keyprovider protocol on stdin/stdout. It "wraps" by
// XOR with 0x5a inside a JSON envelope that records the PARAMS it was given (so tests can see them). Options:
//   NAME        the provider name it looks up in Parameters (first argument)
//   --numbers   reply with byte arrays (as Rust providers do) instead of base64 strings
//   --fail      exit 1 with a message on stderr
// It checks the request shape (op, keywrapparams, keyunwrapparams, DecryptConfig) and exits 2 if it is wrong.
#include <iostream>
#include <iterator>
#include <string>

#include <nlohmann/json.hpp>

#include "common/base/encoding.hpp"

namespace {

nlohmann::json bytes_json(const coco::Bytes& b, bool numbers) {
  if (numbers) {
    return nlohmann::json(b);
  }
  return coco::base64_encode(b);
}

int bad(const std::string& why) {
  std::cerr << "test-keyprovider: bad request: " << why << "\n";
  return 2;
}

} // namespace

int main(int argc, char** argv) {
  std::string name = argc > 1 ? argv[1] : "test";
  bool numbers = false;
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--numbers") {
      numbers = true;
    } else if (a == "--fail") {
      std::cerr << "provider refused\n";
      return 1;
    }
  }
  std::string input((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
  auto req = nlohmann::json::parse(input, nullptr, false);
  if (req.is_discarded() || !req.contains("op") || !req.contains("keywrapparams") || !req.contains("keyunwrapparams")) {
    return bad("missing op/keywrapparams/keyunwrapparams");
  }
  if (req["op"] == "keywrap") {
    const auto& ec = req["keywrapparams"]["ec"];
    if (!ec.contains("DecryptConfig") || !ec["Parameters"].contains(name)) {
      return bad("no DecryptConfig or no Parameters for " + name);
    }
    auto params = coco::base64_decode(ec["Parameters"][name][0].get<std::string>()).value();
    auto opts = coco::base64_decode(req["keywrapparams"]["optsdata"].get<std::string>()).value();
    for (auto& b : opts) {
      b ^= 0x5a;
    }
    nlohmann::json envelope{{"params", std::string(coco::as_string(params))}, {"data", coco::base64_encode(opts)}};
    nlohmann::json reply{{"keywrapresults", {{"annotation", bytes_json(coco::to_bytes(envelope.dump()), numbers)}}}};
    std::cout << reply.dump();
    return 0;
  }
  if (req["op"] == "keyunwrap") {
    const auto& p = req["keyunwrapparams"];
    if (!p.contains("dc") || !p["dc"]["Parameters"].contains(name)) {
      return bad("no dc Parameters for " + name);
    }
    auto annotation = coco::base64_decode(p["annotation"].get<std::string>()).value();
    auto envelope = nlohmann::json::parse(coco::as_string(annotation), nullptr, false);
    if (envelope.is_discarded()) {
      std::cerr << "not my annotation\n";
      return 1;
    }
    auto opts = coco::base64_decode(envelope["data"].get<std::string>()).value();
    for (auto& b : opts) {
      b ^= 0x5a;
    }
    nlohmann::json reply{{"keyunwrapresults", {{"optsdata", bytes_json(opts, numbers)}}}};
    std::cout << reply.dump();
    return 0;
  }
  return bad("unknown op");
}
