// SPDX-License-Identifier: Apache-2.0
// The report's rules: which row each span is, in what order, and what the run's summary says.
#include <algorithm>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

#include "chaostracing/report.hpp"

namespace chaostracing {
namespace {

constexpr std::string_view kOwnScope = "chaostracing";

bool is_background(const ReportSpan& span) {
  const auto* value = span.attribute("chaostoolkit.activity.background");
  return value != nullptr && value->is(true);
}

ReportKind kind_of(const ReportSpan& span) {
  if (!span.scope_name.empty() && span.scope_name != kOwnScope) return ReportKind::kForeign;
  const std::string_view name = span.name;
  if (name == "experiment") return ReportKind::kExperiment;
  if (name == "hypothesis" && span.attribute("chaostoolkit.hypothesis.iteration") != nullptr) {
    return ReportKind::kIteration;
  }
  if (name == "hypothesis" || name == "method" || name == "rollbacks") return ReportKind::kPhase;
  if (name == "pause") return ReportKind::kPause;
  if (span.attribute("chaostoolkit.activity.name") != nullptr || name.starts_with("activity: ")) {
    return ReportKind::kActivity;
  }
  return ReportKind::kOther;
}

// The text Python's str() gives a value; a list or mapping reads as its JSON here.
std::string python_str(const ReportValue& value) {
  switch (value.type) {
    case ReportValue::Type::kBool:
      return value.truthy ? "True" : "False";
    case ReportValue::Type::kDouble:
      if (value.text == "NaN") return "nan";
      if (value.text == "Infinity") return "inf";
      if (value.text == "-Infinity") return "-inf";
      return value.text;
    default:
      return value.text;
  }
}

// `attribute or fallback`, as text.
std::string text_or(const ReportSpan& span, std::string_view key, std::string_view fallback) {
  const auto* value = span.attribute(key);
  return value != nullptr && value->truthy ? python_str(*value) : std::string(fallback);
}

std::string deviation(std::span<const ReportSpan> spans, bool deviated) {
  bool after = false;
  bool before = false;
  int continuous = 0;
  for (const auto& span : spans) {
    const auto* met = span.attribute("chaostoolkit.hypothesis.met");
    if (span.name != "hypothesis" || met == nullptr || !met->is(false)) continue;
    const auto* phase = span.attribute("chaostoolkit.hypothesis.phase");
    const std::string text = phase != nullptr ? python_str(*phase) : std::string();
    after = after || text == "after";
    before = before || text == "before";
    continuous += text == "continuous" ? 1 : 0;
  }
  if (deviated || after)
    return "Deviated: the steady-state hypothesis was not met after the method.";
  if (before) {
    return "The steady-state hypothesis was not met before the method: the method did not run.";
  }
  if (continuous > 0) {
    return "The steady-state hypothesis was not met during the method (" +
           std::to_string(continuous) + (continuous != 1 ? " iterations)." : " iteration).");
  }
  return {};
}

}  // namespace

const ReportValue* ReportSpan::attribute(std::string_view key) const noexcept {
  for (const auto& [name, value] : attributes) {
    if (name == key) return &value;
  }
  return nullptr;
}

std::string_view report_kind_name(ReportKind kind) noexcept {
  switch (kind) {
    case ReportKind::kExperiment:
      return "experiment";
    case ReportKind::kPhase:
      return "phase";
    case ReportKind::kIteration:
      return "iteration";
    case ReportKind::kActivity:
      return "activity";
    case ReportKind::kPause:
      return "pause";
    case ReportKind::kForeign:
      return "foreign";
    case ReportKind::kOther:
      break;
  }
  return "other";
}

std::vector<ReportRow> report_layout(std::span<const ReportSpan> spans) {
  std::unordered_set<std::string_view> ids;
  ids.reserve(spans.size());
  for (const auto& span : spans) ids.insert(span.span_id);
  std::unordered_map<std::string_view, std::vector<std::size_t>> children;
  std::vector<std::size_t> roots;
  for (std::size_t i = 0; i < spans.size(); ++i) {
    const auto& parent = spans[i].parent_span_id;
    if (!parent.empty() && ids.contains(parent)) {
      children[parent].push_back(i);
    } else {
      roots.push_back(i);
    }
  }
  // Foreground first, then the background lane, each in start order; the stack below pops
  // the last pushed first, so each list is pushed in the reverse of that order (spans equal
  // in all three keep their order in the list, as Python's sorted(reverse=True) does).
  std::vector<bool> background_of(spans.size());
  for (std::size_t i = 0; i < spans.size(); ++i) background_of[i] = is_background(spans[i]);
  const auto key = [&](std::size_t i) {
    return std::make_tuple(static_cast<bool>(background_of[i]), spans[i].start_ns,
                           std::string_view(spans[i].name));
  };
  const auto sort_for_stack = [&](std::vector<std::size_t>& list) {
    std::stable_sort(list.begin(), list.end(),
                     [&](std::size_t a, std::size_t b) { return key(b) < key(a); });
  };
  struct Pending {
    std::size_t span;
    int depth;
    bool background;
  };
  // An explicit stack, not recursion: a 10,000-span chain must not overflow.
  std::vector<Pending> stack;
  sort_for_stack(roots);
  for (const auto root : roots) stack.push_back({root, 0, false});
  std::vector<ReportRow> rows;
  rows.reserve(spans.size());
  std::unordered_set<std::string_view> seen;
  seen.reserve(spans.size());
  while (!stack.empty()) {
    const Pending next = stack.back();
    stack.pop_back();
    const auto& span = spans[next.span];
    if (!seen.insert(span.span_id).second) continue;  // a duplicated span id: shown once
    const bool background = next.background || background_of[next.span];
    auto found = children.find(span.span_id);
    const bool has_children = found != children.end() && !found->second.empty();
    rows.push_back({next.span, next.depth, background, kind_of(span), has_children,
                    !span.parent_span_id.empty() && next.depth == 0});
    if (has_children) {
      sort_for_stack(found->second);
      for (const auto kid : found->second) stack.push_back({kid, next.depth + 1, background});
    }
  }
  return rows;
}

ReportSummary report_summary(std::span<const ReportSpan> spans) {
  ReportSummary summary;
  const ReportSpan* root = nullptr;
  for (const auto& span : spans) {
    if (span.name == "experiment" && span.parent_span_id.empty()) {
      root = &span;
      break;
    }
  }
  if (root == nullptr && !spans.empty()) {
    root = &*std::min_element(spans.begin(), spans.end(),
                              [](const auto& a, const auto& b) { return a.start_ns < b.start_ns; });
  }
  if (root != nullptr) {
    summary.title = text_or(*root, "chaostoolkit.experiment.title", root->name);
    summary.status = text_or(*root, "chaostoolkit.experiment.status", "");
    const auto* deviated = root->attribute("chaostoolkit.experiment.deviated");
    summary.deviated = deviated != nullptr && deviated->is(true);
  }
  for (std::size_t i = 0; i < spans.size(); ++i) {
    if (spans[i].status_code == 2) summary.errors.push_back(i);
  }
  // Not a chaostracing run (or one cut short): say what the spans say.
  if (summary.status.empty()) summary.status = summary.errors.empty() ? "ok" : "error";
  std::unordered_set<std::string_view> known;
  const auto add_trace = [&](const ReportSpan& span) {
    if (known.insert(span.trace_id).second) summary.trace_ids.push_back(span.trace_id);
  };
  if (root != nullptr) add_trace(*root);
  for (const auto& span : spans) add_trace(span);
  summary.deviation = deviation(spans, summary.deviated);
  if (!spans.empty()) {
    summary.start_ns = spans.front().start_ns;
    summary.end_ns = spans.front().end_ns;
    for (const auto& span : spans) {
      summary.start_ns = std::min(summary.start_ns, span.start_ns);
      summary.end_ns = std::max(summary.end_ns, span.end_ns);
    }
  }
  return summary;
}

std::vector<std::size_t> report_errors_cause_first(std::span<const ReportSpan> spans,
                                                   const ReportSummary& summary) {
  // Failed activities before the hypotheses and experiment they made fail.
  const auto rank = [&](std::size_t i) {
    switch (kind_of(spans[i])) {
      case ReportKind::kExperiment:
        return 3;
      case ReportKind::kPhase:
        return 2;
      case ReportKind::kIteration:
        return 1;
      default:
        return 0;
    }
  };
  std::vector<std::size_t> errors = summary.errors;
  std::stable_sort(errors.begin(), errors.end(), [&](std::size_t a, std::size_t b) {
    return std::make_pair(rank(a), spans[a].start_ns) < std::make_pair(rank(b), spans[b].start_ns);
  });
  return errors;
}

}  // namespace chaostracing
