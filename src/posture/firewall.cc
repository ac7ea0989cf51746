#include "posture/firewall.h"

#include <map>
#include <tuple>
#include <utility>

namespace picket {

namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

std::vector<std::string> Words(std::string_view s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && IsBlank(s[i])) ++i;
    size_t start = i;
    while (i < s.size() && !IsBlank(s[i])) ++i;
    if (i > start) out.emplace_back(s.substr(start, i - start));
  }
  return out;
}

bool IsNftFamily(std::string_view word) {
  return word == "ip" || word == "ip6" || word == "inet" || word == "arp" ||
         word == "bridge" || word == "netdev";
}

// Collects chains by (family, table, name) so that a chain declared by
// "add chain" and filled by "add rule" is one chain.
class ChainIndex {
 public:
  explicit ChainIndex(FirewallState* out) : out_(out) {}

  FirewallChain& Get(const std::string& backend, const std::string& family,
                     const std::string& table, const std::string& name) {
    auto key = std::make_tuple(backend, family, table, name);
    auto it = index_.find(key);
    if (it != index_.end()) return out_->chains[it->second];
    index_.emplace(key, out_->chains.size());
    FirewallChain chain;
    chain.backend = backend;
    chain.family = family;
    chain.table = table;
    chain.name = name;
    out_->chains.push_back(std::move(chain));
    return out_->chains.back();
  }

 private:
  FirewallState* out_;
  std::map<std::tuple<std::string, std::string, std::string, std::string>,
           size_t>
      index_;
};

// Fills type/hook/policy from a chain's "type filter hook input priority 0"
// or "policy drop" statement; returns false for anything else (a rule).
bool ApplyChainStatement(const std::vector<std::string>& w,
                         FirewallChain* chain) {
  if (w.empty()) return true;
  if (w[0] == "type") {
    if (w.size() >= 2) chain->type = w[1];
    for (size_t i = 1; i + 1 < w.size(); ++i) {
      if (w[i] == "hook") chain->hook = w[i + 1];
    }
    if (chain->policy.empty()) chain->policy = "accept";  // nft default
    return true;
  }
  if (w[0] == "policy") {
    if (w.size() >= 2) chain->policy = Lower(w[1]);
    return true;
  }
  // Chain-level attributes that are not rules.
  return w[0] == "comment" || w[0] == "devices" || w[0] == "flags";
}

class NftParser {
 public:
  explicit NftParser(FirewallState* out) : chains_(out) {}

  void Parse(std::string_view text) {
    std::string statement;
    int inner = 0;  // braces of anonymous sets inside a statement
    bool quoted = false;
    for (size_t i = 0; i < text.size(); ++i) {
      char c = text[i];
      if (quoted) {
        statement += c;
        if (c == '"') quoted = false;
        continue;
      }
      if (c == '"') {
        quoted = true;
        statement += c;
      } else if (c == '#') {
        while (i < text.size() && text[i] != '\n') ++i;
        --i;
      } else if (c == '\\' && i + 1 < text.size() && text[i + 1] == '\n') {
        statement += ' ';
        ++i;
      } else if (c == '{') {
        if (inner == 0 && OpenBlock(statement)) {
          statement.clear();
        } else {
          ++inner;
          statement += c;
        }
      } else if (c == '}') {
        if (inner > 0) {
          --inner;
          statement += c;
        } else {
          Flush(&statement);
          if (!stack_.empty()) stack_.pop_back();
        }
      } else if (c == '\n' || c == ';') {
        if (inner > 0) {
          statement += ' ';
        } else {
          Flush(&statement);
        }
      } else {
        statement += c;
      }
    }
    Flush(&statement);
  }

 private:
  struct Ctx {
    enum class Kind { kTable, kChain, kOther } kind;
    std::string family;
    std::string table;
    std::string chain;
  };

  // Opens a block for a "table ...", "chain ...", "set ..." header.
  bool OpenBlock(const std::string& header) {
    auto w = Words(header);
    size_t i = 0;
    if (!w.empty() && (w[0] == "add" || w[0] == "create")) i = 1;
    if (i >= w.size()) return false;
    const std::string& what = w[i];
    Ctx ctx{Ctx::Kind::kOther, "", "", ""};
    if (what == "table") {
      // table [family] name
      std::vector<std::string> rest(w.begin() + i + 1, w.end());
      if (rest.empty()) return false;
      ctx.kind = Ctx::Kind::kTable;
      if (rest.size() >= 2 && IsNftFamily(rest[0])) {
        ctx.family = rest[0];
        ctx.table = rest[1];
      } else {
        ctx.family = "ip";
        ctx.table = rest[0];
      }
    } else if (what == "chain") {
      std::vector<std::string> rest(w.begin() + i + 1, w.end());
      ctx.kind = Ctx::Kind::kChain;
      if (!stack_.empty() && stack_.back().kind == Ctx::Kind::kTable &&
          rest.size() == 1) {
        ctx.family = stack_.back().family;
        ctx.table = stack_.back().table;
        ctx.chain = rest[0];
      } else if (rest.size() >= 3 && IsNftFamily(rest[0])) {
        ctx.family = rest[0];
        ctx.table = rest[1];
        ctx.chain = rest[2];
      } else if (rest.size() == 2) {
        ctx.family = "ip";
        ctx.table = rest[0];
        ctx.chain = rest[1];
      } else {
        ctx.kind = Ctx::Kind::kOther;
      }
      if (ctx.kind == Ctx::Kind::kChain) Chain(ctx);  // exists even if empty
    }
    // set, map, flowtable, counter, ...: contents are not rules.
    stack_.push_back(std::move(ctx));
    return true;
  }

  FirewallChain& Chain(const Ctx& ctx) {
    return chains_.Get("nftables", ctx.family, ctx.table, ctx.chain);
  }

  void Flush(std::string* statement) {
    auto w = Words(*statement);
    statement->clear();
    if (w.empty()) return;
    if (!stack_.empty() && stack_.back().kind == Ctx::Kind::kChain) {
      FirewallChain& chain = Chain(stack_.back());
      if (!ApplyChainStatement(w, &chain)) ++chain.rules;
      return;
    }
    if (!stack_.empty()) return;
    // Top level: "add rule [family] table chain ...".
    size_t i = 0;
    if (w[0] == "add" || w[0] == "insert") i = 1;
    if (i == 1 && w.size() > 1 && w[1] == "rule") {
      std::vector<std::string> rest(w.begin() + 2, w.end());
      Ctx ctx{Ctx::Kind::kChain, "ip", "", ""};
      if (rest.size() >= 4 && IsNftFamily(rest[0])) {
        ctx.family = rest[0];
        ctx.table = rest[1];
        ctx.chain = rest[2];
      } else if (rest.size() >= 3) {
        ctx.table = rest[0];
        ctx.chain = rest[1];
      } else {
        return;
      }
      ++Chain(ctx).rules;
    }
  }

  ChainIndex chains_;
  std::vector<Ctx> stack_;
};

}  // namespace

std::string FirewallChain::ToString() const {
  std::string out = backend + " " + family + " " + table + " " + name + " (";
  if (!hook.empty()) {
    out += "hook " + hook + ", policy " + policy + ", ";
  }
  out += std::to_string(rules) + (rules == 1 ? " rule)" : " rules)");
  return out;
}

void ParseNftRuleset(std::string_view text, FirewallState* out) {
  NftParser parser(out);
  parser.Parse(text);
}

void ParseIptablesSave(std::string_view text, std::string_view backend,
                       FirewallState* out) {
  ChainIndex chains(out);
  std::string family = backend == "ip6tables" ? "ip6" : "ip";
  std::string table;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text =
        nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    auto w = Words(line);
    if (w.empty() || w[0][0] == '#') continue;
    if (w[0][0] == '*') {
      table = w[0].substr(1);
    } else if (w[0][0] == ':' && !table.empty()) {
      FirewallChain& chain =
          chains.Get(std::string(backend), family, table, w[0].substr(1));
      chain.type = table;
      std::string policy = w.size() >= 2 ? w[1] : "-";
      if (policy != "-") {
        chain.policy = Lower(policy);
        std::string lower = Lower(chain.name);
        chain.hook = lower == "prerouting"    ? "prerouting"
                     : lower == "postrouting" ? "postrouting"
                                              : lower;
      }
    } else if ((w[0] == "-A" || w[0] == "-I" || w[0] == "--append") &&
               w.size() >= 2 && !table.empty()) {
      FirewallChain& chain =
          chains.Get(std::string(backend), family, table, w[1]);
      chain.type = table;
      ++chain.rules;
    } else if (w[0] == "COMMIT") {
      table.clear();
    }
  }
}

}  // namespace picket
