#include "core/yaml_reader.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <exception>
#include <map>
#include <sstream>
#include <utility>

namespace picket {

namespace {

// Suggestions are skipped for absurd keys: edit distance is quadratic.
constexpr size_t kMaxSuggestKeyLength = 64;

// Thrown by the builder past kMaxYamlNodes; caught in ParseYaml.
struct YamlTooLarge {};

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1,
                         diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// The closest known key, or "" when nothing is close enough to be a typo.
std::string_view SuggestKey(std::string_view key,
                            const std::vector<std::string_view>& known) {
  if (key.size() > kMaxSuggestKeyLength) return "";
  // Struct field names (poll_interval_ms, max_bytes, stdout_sink) are the
  // likeliest slip: the YAML drops the unit suffix.
  std::string renamed(key);
  if (renamed.ends_with("_bytes")) {
    renamed.replace(renamed.size() - 6, 6, "_size");
  }
  for (std::string_view candidate : known) {
    if (renamed == candidate) return candidate;
    if (key.starts_with(candidate) && key.size() > candidate.size() &&
        key[candidate.size()] == '_') {
      return candidate;
    }
  }
  std::string_view best;
  size_t best_distance = 3;  // beyond two edits a "typo" is a guess
  for (std::string_view candidate : known) {
    size_t distance = EditDistance(key, candidate);
    if (distance < best_distance && distance < candidate.size()) {
      best = candidate;
      best_distance = distance;
    }
  }
  return best;
}

}  // namespace

// Builds the first document's tree; remembers where each document starts so
// that a second one can be reported. Aliased subtrees are copied (yaml-cpp
// shares them), so the node count is bounded.
class YamlTreeBuilder : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark& mark) override {
    starts.push_back(mark);
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    YamlNode n;
    n.mark_ = mark;
    Add(std::move(n), anchor, 1);
  }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    auto it = anchors_.find(anchor);
    if (it == anchors_.end()) {
      OnNull(mark, 0);
      return;
    }
    Add(it->second.first, 0, it->second.second);
  }
  void OnScalar(const YAML::Mark& mark, const std::string&,
                YAML::anchor_t anchor, const std::string& value) override {
    YamlNode n;
    n.type_ = YamlNode::Type::kScalar;
    n.mark_ = mark;
    n.scalar_ = value;
    Add(std::move(n), anchor, 1);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&,
                       YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    Open(YamlNode::Type::kSequence, mark, anchor);
  }
  void OnSequenceEnd() override { Close(); }
  void OnMapStart(const YAML::Mark& mark, const std::string&,
                  YAML::anchor_t anchor, YAML::EmitterStyle::value) override {
    Open(YamlNode::Type::kMap, mark, anchor);
  }
  void OnMapEnd() override { Close(); }

  std::vector<YAML::Mark> starts;
  YamlNode root;

 private:
  struct Frame {
    YamlNode node;
    YAML::anchor_t anchor;
    size_t nodes;  // in the subtree so far
  };

  void Open(YamlNode::Type type, const YAML::Mark& mark,
            YAML::anchor_t anchor) {
    YamlNode n;
    n.type_ = type;
    n.mark_ = mark;
    stack_.push_back({std::move(n), anchor, 1});
  }

  void Close() {
    Frame f = std::move(stack_.back());
    stack_.pop_back();
    Add(std::move(f.node), f.anchor, f.nodes);
  }

  void Add(YamlNode n, YAML::anchor_t anchor, size_t nodes) {
    total_ += nodes;
    if (total_ > kMaxYamlNodes) throw YamlTooLarge();
    if (anchor != 0) anchors_[anchor] = {n, nodes};
    if (stack_.empty()) {
      if (starts.size() == 1) root = std::move(n);  // first document only
      return;
    }
    stack_.back().node.children_.push_back(std::move(n));
    stack_.back().nodes += nodes;
  }

  std::vector<Frame> stack_;
  std::map<YAML::anchor_t, std::pair<YamlNode, size_t>> anchors_;
  size_t total_ = 0;
};

namespace {

// Parses at most two documents: a second one, which YAML::Load would
// silently drop, is an error. Not YAML::LoadAll: in yaml-cpp 0.7 it loops
// forever, allocating, on a stray ',' (the parser returns an empty document
// without consuming the token). False when an error was added. Throws
// YAML::Exception on syntax errors, YamlTooLarge on alias bombs.
bool ParseSingleDocument(const std::string& text, YamlTreeBuilder* builder,
                         ErrorList* errors) {
  std::istringstream in(text);
  YAML::Parser parser(in);
  if (!parser.HandleNextDocument(*builder) ||
      !parser.HandleNextDocument(*builder)) {
    return true;
  }
  const YAML::Mark& first = builder->starts[0];
  const YAML::Mark& second = builder->starts[1];
  if (second.pos == first.pos) {
    // No progress: the first token cannot start a document at all.
    errors->Add(second, "",
                "YAML syntax error: unexpected character at column " +
                    std::to_string(second.column + 1));
    return false;
  }
  std::istringstream lines(text);
  std::string line;
  for (int i = 0; i <= second.line; ++i) std::getline(lines, line);
  if (line.starts_with("---")) {
    errors->Add(second, "", "expected one YAML document, found a second one");
  } else {
    errors->Add(second, "",
                "YAML syntax error: unexpected text after the end of the "
                "document");
  }
  return false;
}

}  // namespace

bool ParseYaml(std::string_view text, ErrorList* errors, YamlNode* root) {
  *root = YamlNode();
  if (AddNulByteError(text, errors)) return false;
  // yaml-cpp reports everything by exception; none may leave this function.
  try {
    YamlTreeBuilder builder;
    if (!ParseSingleDocument(std::string(text), &builder, errors)) {
      return false;
    }
    *root = std::move(builder.root);
    return true;
  } catch (const YamlTooLarge&) {
    errors->Add(YAML::Mark::null_mark(), "",
                "aliases expand to more than " + std::to_string(kMaxYamlNodes) +
                    " nodes");
  } catch (const YAML::Exception& e) {
    errors->Add(e.mark, "", "YAML syntax error: " + e.msg);
  } catch (const std::exception& e) {
    errors->Add(YAML::Mark::null_mark(), "",
                std::string("cannot parse: ") + e.what());
  } catch (...) {
    errors->Add(YAML::Mark::null_mark(), "", "cannot parse: unknown error");
  }
  return false;
}

YamlMapping::YamlMapping(const YamlNode& node, std::string path,
                         ErrorList* errors)
    : path_(std::move(path)), errors_(errors), mark_(node.Mark()) {
  std::map<std::string, YAML::Mark, std::less<>> first_seen;
  for (size_t i = 0; i < node.size(); ++i) {
    const YamlNode& key = node.Key(i);
    if (!key.IsScalar()) {
      errors_->Add(key.Mark(), path_, "keys must be plain strings");
      continue;
    }
    auto [seen, inserted] = first_seen.emplace(key.Scalar(), key.Mark());
    if (!inserted) {
      // A lookup would silently pick one; the reader must learn that one
      // of the two values is ignored.
      errors_->Add(key.Mark(), Join(key.Scalar()),
                   "duplicate key (first defined on line " +
                       std::to_string(seen->second.line + 1) + ")");
      continue;
    }
    entries_.push_back({key.Scalar(), key.Mark(), &node.Value(i), false});
  }
}

const YamlMapping::Entry* YamlMapping::Take(std::string_view key,
                                            bool required) {
  known_.push_back(key);
  for (Entry& entry : entries_) {
    if (entry.key == key) {
      entry.consumed = true;
      return &entry;
    }
  }
  if (required) {
    errors_->Add(mark_, path_,
                 "missing required key \"" + std::string(key) + "\"");
  }
  return nullptr;
}

void YamlMapping::Error(const Entry& entry, std::string_view message) {
  errors_->Add(entry.key_mark, Join(entry.key), message);
}

std::string YamlMapping::Join(std::string_view key) const {
  if (path_.empty()) return std::string(key);
  return path_ + "." + std::string(key);
}

void YamlMapping::Finish() {
  for (const Entry& entry : entries_) {
    if (entry.consumed) continue;
    std::string_view suggestion = SuggestKey(entry.key, known_);
    std::string message = "unknown key";
    if (!suggestion.empty()) {
      message += "; did you mean \"";
      message += suggestion;
      message += "\"?";
    } else {
      message += "; valid keys: ";
      for (size_t i = 0; i < known_.size(); ++i) {
        if (i > 0) message += ", ";
        message += known_[i];
      }
    }
    errors_->Add(entry.key_mark, Join(entry.key), message);
  }
}

}  // namespace picket
