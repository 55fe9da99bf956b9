#include "common/kbs/rvps.hpp"

#include <cctype>
#include <cstdlib>
#include <map>
#include <optional>

#include "common/base/encoding.hpp"

namespace coco::kbs {
namespace {

constexpr std::string_view k_swid_ns = "http://standards.iso.org/iso/19770/-2/2015/schema.xsd";
constexpr std::string_view k_rimim_ns =
    "https://trustedcomputinggroup.org/resource/tcg-reference-integrity-manifest-rim-information-model/";
constexpr std::string_view k_hash_ns = "http://www.w3.org/2001/04/xmlenc#sha384";
constexpr std::string_view k_xml_ns = "http://www.w3.org/XML/1998/namespace";

// ---- a minimal namespace-aware XML reader: elements and attributes only (text, comments, processing
// instructions and CDATA are skipped; a DOCTYPE is refused, so no entity can be declared) ----

struct XmlAttribute {
  std::string ns;  // "" for an unprefixed attribute
  std::string local;
  std::string value;
};

struct XmlElement {
  std::string ns;
  std::string local;
  std::vector<XmlAttribute> attributes;
  std::size_t depth = 0;

  [[nodiscard]] bool is(std::string_view n, std::string_view l) const { return ns == n && local == l; }
  [[nodiscard]] const std::string* attribute(std::string_view n, std::string_view l) const {
    for (const auto& a : attributes) {
      if (a.ns == n && a.local == l) {
        return &a.value;
      }
    }
    return nullptr;
  }
};

Error xml_error(const std::string& what) { return make_error(Kind::invalid, "SWID manifest: " + what); }

bool name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-' || c == '.' || c == ':' ||
         static_cast<unsigned char>(c) >= 0x80;
}

Result<std::string> decode_entities(std::string_view raw) {
  std::string out;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] != '&') {
      out += raw[i];
      continue;
    }
    const auto semi = raw.find(';', i);
    if (semi == std::string_view::npos) {
      return xml_error("unterminated entity reference");
    }
    const std::string_view ref = raw.substr(i + 1, semi - i - 1);
    if (ref == "lt") {
      out += '<';
    } else if (ref == "gt") {
      out += '>';
    } else if (ref == "amp") {
      out += '&';
    } else if (ref == "quot") {
      out += '"';
    } else if (ref == "apos") {
      out += '\'';
    } else if (ref.size() > 1 && ref[0] == '#') {
      const bool hex = ref[1] == 'x';
      const std::string digits(ref.substr(hex ? 2 : 1));
      if (digits.empty() || digits.size() > 8) {
        return xml_error("bad character reference &" + std::string(ref) + ";");
      }
      char* end = nullptr;
      const unsigned long cp = std::strtoul(digits.c_str(), &end, hex ? 16 : 10);
      if (*end != '\0' || cp == 0 || cp > 0x10FFFF) {
        return xml_error("bad character reference &" + std::string(ref) + ";");
      }
      append_utf8(out, cp);
    } else {
      return xml_error("unknown entity &" + std::string(ref) + ";");
    }
    i = semi;
  }
  return out;
}

class XmlReader {
public:
  explicit XmlReader(std::string_view text) : m_text(text) {}

  Result<std::vector<XmlElement>> read() {
    std::vector<XmlElement> elements;
    while (true) {
      const auto lt = m_text.find('<', m_pos);
      if (lt == std::string_view::npos) {
        break;
      }
      m_pos = lt;
      if (starts("<?")) {
        COCO_TRY_STATUS(skip_past("?>", "processing instruction"));
      } else if (starts("<!--")) {
        COCO_TRY_STATUS(skip_past("-->", "comment"));
      } else if (starts("<![CDATA[")) {
        COCO_TRY_STATUS(skip_past("]]>", "CDATA section"));
      } else if (starts("<!")) {
        return xml_error("DOCTYPE declarations are not accepted");
      } else if (starts("</")) {
        m_pos += 2;
        const std::string name = read_name();
        skip_space();
        if (m_pos >= m_text.size() || m_text[m_pos] != '>') {
          return xml_error("malformed end tag </" + name);
        }
        ++m_pos;
        if (m_open.empty() || m_open.back().qname != name) {
          return xml_error("end tag </" + name + "> does not match the open element");
        }
        m_open.pop_back();
      } else {
        COCO_TRY(auto element, read_start_tag());
        elements.push_back(std::move(element));
      }
    }
    if (!m_open.empty()) {
      return xml_error("element <" + m_open.back().qname + "> is not closed");
    }
    if (elements.empty()) {
      return xml_error("no XML element");
    }
    return elements;
  }

private:
  struct Open {
    std::string qname;
    std::map<std::string, std::string> scope;  // prefix ("" = default) -> namespace, all in force
  };

  bool starts(std::string_view s) const { return m_text.substr(m_pos, s.size()) == s; }
  Status skip_past(std::string_view end, const std::string& what) {
    const auto at = m_text.find(end, m_pos);
    if (at == std::string_view::npos) {
      return xml_error("unterminated " + what);
    }
    m_pos = at + end.size();
    return ok();
  }
  void skip_space() {
    while (m_pos < m_text.size() && std::isspace(static_cast<unsigned char>(m_text[m_pos])) != 0) {
      ++m_pos;
    }
  }
  std::string read_name() {
    const auto start = m_pos;
    while (m_pos < m_text.size() && name_char(m_text[m_pos])) {
      ++m_pos;
    }
    return std::string(m_text.substr(start, m_pos - start));
  }

  Result<XmlElement> read_start_tag() {
    ++m_pos;  // '<'
    const std::string qname = read_name();
    if (qname.empty()) {
      return xml_error("malformed start tag");
    }
    std::vector<std::pair<std::string, std::string>> raw;  // qualified name, value
    bool self_closing = false;
    while (true) {
      skip_space();
      if (m_pos >= m_text.size()) {
        return xml_error("unterminated start tag <" + qname);
      }
      if (starts("/>")) {
        m_pos += 2;
        self_closing = true;
        break;
      }
      if (m_text[m_pos] == '>') {
        ++m_pos;
        break;
      }
      std::string name = read_name();
      skip_space();
      if (name.empty() || m_pos >= m_text.size() || m_text[m_pos] != '=') {
        return xml_error("malformed attribute in <" + qname + ">");
      }
      ++m_pos;
      skip_space();
      if (m_pos >= m_text.size() || (m_text[m_pos] != '"' && m_text[m_pos] != '\'')) {
        return xml_error("unquoted attribute " + name + " in <" + qname + ">");
      }
      const char quote = m_text[m_pos++];
      const auto close = m_text.find(quote, m_pos);
      if (close == std::string_view::npos) {
        return xml_error("unterminated attribute " + name + " in <" + qname + ">");
      }
      const std::string_view value = m_text.substr(m_pos, close - m_pos);
      if (value.find('<') != std::string_view::npos) {
        return xml_error("'<' in attribute " + name + " of <" + qname + ">");
      }
      COCO_TRY(std::string decoded, decode_entities(value));
      m_pos = close + 1;
      raw.emplace_back(std::move(name), std::move(decoded));
    }
    Open open{qname, m_open.empty() ? std::map<std::string, std::string>{{"xml", std::string(k_xml_ns)}} : m_open.back().scope};
    for (const auto& [name, value] : raw) {
      if (name == "xmlns") {
        open.scope[""] = value;
      } else if (name.starts_with("xmlns:")) {
        open.scope[name.substr(6)] = value;
      }
    }
    XmlElement element;
    element.depth = m_open.size();
    COCO_TRY(auto resolved, resolve(open.scope, qname, true));
    element.ns = std::move(resolved.first);
    element.local = std::move(resolved.second);
    for (auto& [name, value] : raw) {
      if (name == "xmlns" || name.starts_with("xmlns:")) {
        continue;
      }
      COCO_TRY(auto attr, resolve(open.scope, name, false));
      element.attributes.push_back({std::move(attr.first), std::move(attr.second), std::move(value)});
    }
    if (!self_closing) {
      m_open.push_back(std::move(open));
    }
    return element;
  }

  static Result<std::pair<std::string, std::string>> resolve(const std::map<std::string, std::string>& scope,
                                                             const std::string& qname, bool element) {
    const auto colon = qname.find(':');
    if (colon == std::string::npos) {
      if (!element) {
        return std::pair<std::string, std::string>{"", qname};  // unprefixed attributes have no namespace
      }
      const auto it = scope.find("");
      return std::pair<std::string, std::string>{it == scope.end() ? "" : it->second, qname};
    }
    const std::string prefix = qname.substr(0, colon);
    const auto it = scope.find(prefix);
    if (it == scope.end()) {
      return xml_error("undeclared namespace prefix " + prefix + " in " + qname);
    }
    return std::pair<std::string, std::string>{it->second, qname.substr(colon + 1)};
  }

  std::string_view m_text;
  std::size_t m_pos = 0;
  std::vector<Open> m_open;
};

std::string replace_all(std::string s, char from, char to) {
  for (char& c : s) {
    if (c == from) {
      c = to;
    }
  }
  return s;
}

Result<std::string> decode_payload(const std::string& payload, const std::string& type) {
  auto raw = base64_decode_any(payload);
  if (!raw) {
    return make_error(Kind::invalid, type + " payload is not base64");
  }
  return std::string(as_string(*raw));
}

Result<std::vector<ReferenceValueEntry>> extract_sample(const std::string& payload) {
  COCO_TRY(std::string text, decode_payload(payload, "sample"));
  auto values = nlohmann::json::parse(text, nullptr, false);
  if (values.is_discarded() || !values.is_object()) {
    return make_error(Kind::invalid, "sample payload is not a JSON object");
  }
  std::vector<ReferenceValueEntry> out;
  for (const auto& [name, value] : values.items()) {
    out.push_back({name, value});
  }
  return out;
}

// Trustee rvps/src/extractors/swid/mod.rs, as described in rvps.hpp.
Result<std::vector<ReferenceValueEntry>> extract_swid(const std::string& payload) {
  COCO_TRY(std::string text, decode_payload(payload, "swid"));
  COCO_TRY(auto elements, XmlReader(text).read());
  const XmlElement* meta = nullptr;
  for (const auto& e : elements) {
    if (e.is(k_swid_ns, "Meta")) {
      meta = &e;
      break;
    }
  }
  if (meta == nullptr) {
    return make_error(Kind::invalid, "SWID manifest: could not find meta information (a SWID Meta element)");
  }
  const std::string* manufacturer = meta->attribute(k_rimim_ns, "PlatformManufacturerStr");
  if (manufacturer == nullptr) {
    return make_error(Kind::invalid, "SWID manifest: could not find manufacturer information (Meta PlatformManufacturerStr)");
  }
  const std::string* edition = meta->attribute("", "edition");
  if (edition == nullptr) {
    return make_error(Kind::invalid, "SWID manifest: could not find edition information (Meta edition)");
  }
  const std::string prefix = replace_all(*manufacturer, ' ', '_') + "." + *edition;
  std::size_t payload_at = elements.size();
  for (std::size_t i = 0; i < elements.size(); ++i) {
    if (elements[i].is(k_swid_ns, "Payload")) {
      payload_at = i;
      break;
    }
  }
  if (payload_at == elements.size()) {
    return make_error(Kind::invalid, "SWID manifest: could not find the SWID Payload element");
  }
  std::vector<ReferenceValueEntry> out;
  const std::size_t depth = elements[payload_at].depth;
  for (std::size_t i = payload_at + 1; i < elements.size() && elements[i].depth > depth; ++i) {
    const XmlElement& resource = elements[i];
    const std::string* type = resource.attribute("", "type");
    if (!resource.is(k_swid_ns, "Resource") || type == nullptr || *type != "Measurement") {
      continue;
    }
    const std::string* index = resource.attribute("", "index");
    if (index == nullptr) {
      return make_error(Kind::invalid, "SWID manifest: a Measurement resource has no index");
    }
    nlohmann::json hashes = nlohmann::json::array();
    for (int n = 0;; ++n) {
      const std::string* hash = resource.attribute(k_hash_ns, "Hash" + std::to_string(n));
      if (hash == nullptr) {
        break;
      }
      if (hash->find_first_not_of('0') != std::string::npos) {  // all zeros: no measurement at this index
        hashes.push_back(*hash);
      }
    }
    if (hashes.empty()) {
      continue;
    }
    out.push_back({replace_all(prefix + ".measurement_" + *index, '-', '_'), std::move(hashes)});
  }
  return out;
}

} // namespace

Result<std::vector<ReferenceValueEntry>> extract_reference_values(std::string_view text) {
  const auto message = nlohmann::json::parse(text, nullptr, false);
  if (message.is_discarded() || !message.is_object() || !message.contains("type") || !message["type"].is_string() ||
      !message.contains("payload") || !message["payload"].is_string() ||
      (message.contains("version") && !message["version"].is_string())) {
    return make_error(Kind::invalid, "parse message");
  }
  const std::string version = message.value("version", std::string("0.1.0"));
  if (version != "0.1.0") {
    return make_error(Kind::invalid, "Version unmatched! Need 0.1.0, given " + version + ".");
  }
  const std::string type = message["type"].get<std::string>();
  const std::string payload = message["payload"].get<std::string>();
  if (type == "sample") {
    return extract_sample(payload);
  }
  if (type == "swid") {
    return extract_swid(payload);
  }
  if (type == "corim") {
    return make_error(Kind::unsupported,
                      "reference value type corim is not supported: CoRIM is CBOR, and coco-kbs has no CBOR parser",
                      "register the values as type sample (a JSON object of name: values)");
  }
  return make_error(Kind::unsupported, "Could not find extractor for " + type);
}

} // namespace coco::kbs
