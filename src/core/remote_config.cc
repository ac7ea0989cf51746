#include "core/remote_config.h"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <exception>
#include <set>

namespace picket {

namespace {

// Deeper documents are refused: nothing in the schema nests beyond four
// levels, and the converters below recurse.
constexpr int kMaxDepth = 16;

// Name given to the merged text when it is parsed, stripped from messages.
constexpr std::string_view kMergedName = "remote";

void AddError(RemoteConfigResult* r, std::string field, std::string error) {
  r->errors.push_back({std::move(field), std::move(error)});
}

std::string Join(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

// JSON -> YAML node, keeping numbers in their JSON spelling so that the
// configuration reader judges them exactly as it judges YAML.
bool ToYaml(const rapidjson::Value& v, const std::string& path, int depth,
            RemoteConfigResult* result, YAML::Node* out) {
  if (depth > kMaxDepth) {
    AddError(result, path, "nested too deeply");
    return false;
  }
  switch (v.GetType()) {
    case rapidjson::kObjectType: {
      YAML::Node map(YAML::NodeType::Map);
      std::set<std::string, std::less<>> seen;
      bool ok = true;
      for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
        std::string key(it->name.GetString(), it->name.GetStringLength());
        std::string child_path = Join(path, key);
        if (!seen.insert(key).second) {
          AddError(result, child_path, "duplicate key");
          ok = false;
          continue;
        }
        YAML::Node child;
        if (!ToYaml(it->value, child_path, depth + 1, result, &child)) {
          ok = false;
          continue;
        }
        map[key] = child;
      }
      *out = map;
      return ok;
    }
    case rapidjson::kArrayType: {
      YAML::Node seq(YAML::NodeType::Sequence);
      bool ok = true;
      size_t index = 0;
      for (const auto& item : v.GetArray()) {
        YAML::Node child;
        if (!ToYaml(item, path + "[" + std::to_string(index) + "]", depth + 1,
                    result, &child)) {
          ok = false;
        }
        seq.push_back(child);
        ++index;
      }
      *out = seq;
      return ok;
    }
    case rapidjson::kStringType:
      *out = YAML::Node(std::string(v.GetString(), v.GetStringLength()));
      return true;
    case rapidjson::kTrueType:
      *out = YAML::Node("true");
      return true;
    case rapidjson::kFalseType:
      *out = YAML::Node("false");
      return true;
    case rapidjson::kNumberType: {
      if (v.IsInt64()) {
        *out = YAML::Node(std::to_string(v.GetInt64()));
      } else if (v.IsUint64()) {
        *out = YAML::Node(std::to_string(v.GetUint64()));
      } else {
        rapidjson::StringBuffer buf;
        rapidjson::Writer<rapidjson::StringBuffer> w(buf);
        v.Accept(w);
        *out = YAML::Node(std::string(buf.GetString(), buf.GetSize()));
      }
      return true;
    }
    case rapidjson::kNullType:
      *out = YAML::Node(YAML::NodeType::Null);
      return true;
  }
  return false;
}

// Lays `over` onto `base`: mappings merge key by key, anything else
// replaces.
void Merge(YAML::Node base, const YAML::Node& over) {
  for (const auto& pair : over) {
    const std::string key = pair.first.Scalar();
    YAML::Node target = base[key];
    if (pair.second.IsMap() && target.IsMap()) {
      Merge(target, pair.second);
    } else {
      base[key] = pair.second;
    }
  }
}

// "remote:12: detectors.x.y: expected ..." -> {"detectors.x.y", "expected
// ..."}; a line without a key path goes to the document as a whole.
RemoteConfigError SplitParseError(std::string_view line) {
  std::string prefix = std::string(kMergedName) + ":";
  if (line.starts_with(prefix)) {
    size_t after = line.find(": ");
    if (after != std::string_view::npos) line.remove_prefix(after + 2);
  }
  size_t colon = line.find(": ");
  if (colon != std::string_view::npos) {
    std::string_view field = line.substr(0, colon);
    bool is_path =
        !field.empty() && std::all_of(field.begin(), field.end(), [](char c) {
          return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
                 c == '.' || c == '[' || c == ']';
        });
    if (is_path) {
      return {std::string(field), std::string(line.substr(colon + 2))};
    }
  }
  return {"", std::string(line)};
}

}  // namespace

RemoteConfigResult ApplyRemoteConfig(std::string_view base_yaml,
                                     std::string_view base_name,
                                     std::string_view json) {
  RemoteConfigResult result;
  if (json.size() > kMaxRemoteConfigBytes) {
    AddError(&result, "",
             "document of " + std::to_string(json.size()) +
                 " bytes is larger than the limit of " +
                 std::to_string(kMaxRemoteConfigBytes));
    return result;
  }
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseValidateEncodingFlag>(json.data(), json.size());
  if (doc.HasParseError()) {
    AddError(&result, "",
             std::string("not valid JSON: ") +
                 rapidjson::GetParseError_En(doc.GetParseError()) +
                 " at offset " + std::to_string(doc.GetErrorOffset()));
    return result;
  }
  if (!doc.IsObject()) {
    AddError(&result, "", "expected a JSON object");
    return result;
  }

  auto version = doc.FindMember("version");
  if (version == doc.MemberEnd()) {
    AddError(&result, "version", "required (a string or an integer)");
  } else if (version->value.IsString() &&
             version->value.GetStringLength() > 0 &&
             version->value.GetStringLength() <= 64) {
    result.version.assign(version->value.GetString(),
                          version->value.GetStringLength());
  } else if (version->value.IsInt64()) {
    result.version = std::to_string(version->value.GetInt64());
  } else {
    AddError(&result, "version",
             "expected a string of 1 to 64 characters or an integer");
  }

  YAML::Node overlay(YAML::NodeType::Map);
  std::set<std::string, std::less<>> seen;
  for (auto it = doc.MemberBegin(); it != doc.MemberEnd(); ++it) {
    std::string key(it->name.GetString(), it->name.GetStringLength());
    if (!seen.insert(key).second) {
      AddError(&result, key, "duplicate key");
      continue;
    }
    if (key == "version") continue;
    bool allowed =
        std::find(std::begin(kRemoteSections), std::end(kRemoteSections),
                  key) != std::end(kRemoteSections);
    if (!allowed) {
      std::string list;
      for (std::string_view s : kRemoteSections) {
        if (!list.empty()) list += ", ";
        list += s;
      }
      AddError(&result, key, "cannot be changed remotely (only " + list + ")");
      continue;
    }
    YAML::Node child;
    if (ToYaml(it->value, key, 1, &result, &child)) overlay[key] = child;
  }
  // The allowed sections are validated even when something else is wrong,
  // so that the report lists every invalid field at once.

  try {
    YAML::Node base = YAML::Load(std::string(base_yaml));
    if (!base.IsMap()) base = YAML::Node(YAML::NodeType::Map);
    auto add_errors = [&result](const Status& status) {
      std::string_view message = status.message();
      while (!message.empty()) {
        size_t nl = message.find('\n');
        result.errors.push_back(SplitParseError(message.substr(0, nl)));
        if (nl == std::string_view::npos) break;
        message.remove_prefix(nl + 1);
      }
    };
    // What the document sets is held to the remote bounds first; the local
    // file may go beyond them, so the merged result is checked against the
    // local ones.
    YAML::Emitter remote_only;
    remote_only << overlay;
    Result<Config> bounded =
        ParseConfig(remote_only.c_str(), kMergedName, ConfigOrigin::kRemote);
    if (!bounded.ok()) {
      add_errors(bounded.status());
      return result;
    }
    Merge(base, overlay);
    YAML::Emitter out;
    out << base;
    Result<Config> merged = ParseConfig(out.c_str(), kMergedName);
    if (!merged.ok()) {
      add_errors(merged.status());
      return result;
    }
    if (!result.errors.empty()) return result;
    result.config = std::move(merged.value());
  } catch (const std::exception& e) {
    AddError(&result, "",
             "cannot merge with " + std::string(base_name) + ": " + e.what());
    return result;
  }
  result.ok = true;
  return result;
}

std::string RemoteConfigReportJson(const RemoteConfigResult& result,
                                   std::string_view device_id) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  w.Key("device");
  w.String(device_id.data(),
           static_cast<rapidjson::SizeType>(device_id.size()));
  w.Key("version");
  w.String(result.version.data(),
           static_cast<rapidjson::SizeType>(result.version.size()));
  w.Key("status");
  w.String(result.ok ? "applied" : "rejected");
  if (!result.ok) {
    w.Key("errors");
    w.StartArray();
    for (const RemoteConfigError& e : result.errors) {
      w.StartObject();
      w.Key("field");
      w.String(e.field.data(),
               static_cast<rapidjson::SizeType>(e.field.size()));
      w.Key("error");
      w.String(e.error.data(),
               static_cast<rapidjson::SizeType>(e.error.size()));
      w.EndObject();
    }
    w.EndArray();
  }
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

}  // namespace picket
