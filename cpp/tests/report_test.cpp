// SPDX-License-Identifier: Apache-2.0
// The report's data: values shown as Python shows them, the row order, the summary, and JSON
// that cannot end its <script> element. The Python tests check the same against the standard
// library (json.dumps, repr) and decode what the page reads.
#include "chaostracing/report.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "detail/json.hpp"

namespace chaostracing {
namespace {

std::string repr(double v) {
  std::string out;
  detail::append_python_float_repr(out, v);
  return out;
}

TEST(Report, FloatsAreWrittenAsPythonsRepr) {
  // Expected values are what CPython 3.11 prints for repr(v).
  EXPECT_EQ(repr(0.0), "0.0");
  EXPECT_EQ(repr(-0.0), "-0.0");
  EXPECT_EQ(repr(1.5), "1.5");
  EXPECT_EQ(repr(2.0), "2.0");
  EXPECT_EQ(repr(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(repr(1e-4), "0.0001");
  EXPECT_EQ(repr(1e-5), "1e-05");
  EXPECT_EQ(repr(1.25e-7), "1.25e-07");
  EXPECT_EQ(repr(1e15), "1000000000000000.0");
  EXPECT_EQ(repr(9999999999999998.0), "9999999999999998.0");
  EXPECT_EQ(repr(1e16), "1e+16");
  EXPECT_EQ(repr(-1.5e300), "-1.5e+300");
  EXPECT_EQ(repr(5e-324), "5e-324");
  EXPECT_EQ(repr(123456.789), "123456.789");
}

TEST(Report, ValuesAreShownAsJsonDumpsWritesThem) {
  EXPECT_EQ(report_value(AttributeValue(std::string("a\"b"))).text, "a\"b");
  EXPECT_EQ(report_value(AttributeValue(true)).text, "true");
  EXPECT_EQ(report_value(AttributeValue(std::int64_t{-7})).text, "-7");
  EXPECT_EQ(report_value(AttributeValue(std::numeric_limits<double>::quiet_NaN())).text, "NaN");
  EXPECT_EQ(report_value(AttributeValue(-std::numeric_limits<double>::infinity())).text,
            "-Infinity");
  EXPECT_EQ(report_value(AttributeValue(std::vector<std::string>{"x", "\"y\""})).text,
            "[\"x\", \"\\\"y\\\"\"]");
  EXPECT_EQ(report_value(AttributeValue(std::vector<double>{1.0, 0.5})).text, "[1.0, 0.5]");
  EXPECT_EQ(report_value(AttributeValue(std::vector<bool>{true, false})).text, "[true, false]");
  const auto empty = report_value(AttributeValue(std::vector<std::int64_t>{}));
  EXPECT_EQ(empty.text, "[]");
  EXPECT_FALSE(empty.truthy);
}

TEST(Report, ScriptSafeStringsCannotEndTheirElement) {
  std::string out;
  detail::append_json_string_for_script(out,
                                        "</script><!-- & \xE2\x80\xA8\xE2\x80\xA9 \xC3\xA9\xFF\n");
  EXPECT_EQ(out,
            "\"\\u003c/script\\u003e\\u003c!-- \\u0026 \\u2028\\u2029 \xC3\xA9\xEF\xBF\xBD\\n\"");
}

ReportSpan make(std::string name, std::string id, std::string parent, std::int64_t start,
                ReportAttributes attributes = {}) {
  ReportSpan span;
  span.trace_id = "0af7651916cd43dd8448eb211c80319c";
  span.span_id = std::move(id);
  span.parent_span_id = std::move(parent);
  span.name = std::move(name);
  span.start_ns = start;
  span.end_ns = start + 10;
  span.attributes = std::move(attributes);
  span.scope_name = "chaostracing";
  return span;
}

std::pair<std::string, ReportValue> attribute(std::string key, const AttributeValue& value) {
  return {std::move(key), report_value(value)};
}

TEST(Report, RowsAreDepthFirstWithTheBackgroundLaneLast) {
  std::vector<ReportSpan> spans = {
      make("experiment", "1", "", 0),
      make("method", "2", "1", 10),
      make("activity: bg", "3", "2", 11,
           {attribute("chaostoolkit.activity.background", AttributeValue(true))}),
      make("activity: fg", "4", "2", 12),
      make("HTTP GET", "5", "3", 13),
      make("activity: lost", "6", "99", 14),
      make("method", "2", "1", 10),  // a duplicated span id: shown once (the later)
  };
  spans[4].scope_name = "opentelemetry.instrumentation.requests";
  const auto rows = report_layout(spans);
  ASSERT_EQ(rows.size(), 6u);
  const std::vector<std::size_t> order = {0, 6, 3, 2, 4, 5};
  for (std::size_t i = 0; i < rows.size(); ++i) EXPECT_EQ(rows[i].span, order[i]) << i;
  EXPECT_EQ(rows[2].depth, 2);
  EXPECT_FALSE(rows[2].background);
  EXPECT_TRUE(rows[3].background);
  EXPECT_TRUE(rows[4].background);  // what a background activity contains is on its lane
  EXPECT_EQ(rows[4].kind, ReportKind::kForeign);
  EXPECT_TRUE(rows[1].has_children);
  EXPECT_TRUE(rows[5].orphan);
  EXPECT_EQ(rows[5].depth, 0);
}

TEST(Report, DeepChainsDoNotRecurse) {
  std::vector<ReportSpan> chain;
  for (int i = 0; i < 20000; ++i) {
    chain.push_back(make("s", std::to_string(i + 1), i ? std::to_string(i) : "", i));
  }
  EXPECT_EQ(report_layout(chain).back().depth, 19999);
}

TEST(Report, SummarySaysHowTheSteadyStateWasMissed) {
  std::vector<ReportSpan> spans = {
      make("experiment", "1", "", 0,
           {attribute("chaostoolkit.experiment.title", AttributeValue(std::string("T"))),
            attribute("chaostoolkit.experiment.status", AttributeValue(std::string("completed")))}),
      make("hypothesis", "2", "1", 5,
           {attribute("chaostoolkit.hypothesis.phase", AttributeValue(std::string("continuous"))),
            attribute("chaostoolkit.hypothesis.met", AttributeValue(false))}),
  };
  spans[1].status_code = 2;
  const auto summary = report_summary(spans);
  EXPECT_EQ(summary.title, "T");
  EXPECT_EQ(summary.status, "completed");
  EXPECT_EQ(summary.deviation,
            "The steady-state hypothesis was not met during the method (1 iteration).");
  EXPECT_EQ(summary.errors, std::vector<std::size_t>{1});
  EXPECT_EQ(summary.end_ns - summary.start_ns, 15);
}

TEST(Report, JsonHasOffsetsRowsAndErrorsByRow) {
  std::vector<ReportSpan> spans = {make("experiment", "1", "", 1'000),
                                   make("activity: a", "2", "1", 1'004)};
  spans[1].status_code = 2;
  spans[1].status_message = "<boom>";
  const auto rows = report_layout(spans);
  const auto json = report_json(spans, rows, report_summary(spans), "http://x/1");
  EXPECT_NE(json.find("\"errors\":[1],\"link\":\"http://x/1\""), std::string::npos) << json;
  EXPECT_NE(
      json.find("\"start\":4,\"duration\":10,\"status\":2,\"message\":\"\\u003cboom\\u003e\""),
      std::string::npos)
      << json;
  EXPECT_NE(json.find("\"start\":\"1970-01-01T00:00:00.000001000Z\""), std::string::npos) << json;
}

}  // namespace
}  // namespace chaostracing
