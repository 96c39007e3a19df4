// SPDX-License-Identifier: Apache-2.0
#include "detail/packed_span.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <string>

#include "chaostracing/attribute_key.hpp"

namespace chaostracing::detail {
namespace {

// Every field set, every attribute value type, an owned key (past the interning bound) and an
// empty one, events with attributes.
SpanData full_span() {
  SpanData span;
  for (std::size_t i = 0; i < span.trace_id.size(); ++i) {
    span.trace_id[i] = static_cast<std::uint8_t>(0xA0 + i);
  }
  span.span_id = 0x0102030405060708ULL;
  span.parent_span_id = std::numeric_limits<SpanId>::max();
  span.trace_state = "k=v,other=w";
  span.flags = 0;
  span.name = std::string("activity: probe \0 with a NUL", 28);
  span.kind = SpanKind::kConsumer;
  span.start_time_unix_nano = 1;
  span.end_time_unix_nano = std::numeric_limits<std::uint64_t>::max();
  span.set_attribute("s", std::string("héllo"));
  span.set_attribute("empty", std::string());
  span.set_attribute("true", true);
  span.set_attribute("false", false);
  span.set_attribute("int", std::int64_t{-7});
  span.set_attribute("double", -0.5);
  span.set_attribute("strings", std::vector<std::string>{"a", "", std::string(300, 'z')});
  span.set_attribute("bools", std::vector<bool>{true, false, true});
  span.set_attribute("ints",
                     std::vector<std::int64_t>{std::numeric_limits<std::int64_t>::min(), 0});
  span.set_attribute("doubles", std::vector<double>{1.5, 0.0});
  span.set_attribute("no items", std::vector<std::int64_t>{});
  span.set_attribute(std::string(AttributeKey::kMaxInternedKeySize + 1, 'k'), true);
  span.set_attribute("", std::string("empty key"));
  span.events.push_back(Event{"exception", 42, {{"exception.message", std::string("boom")}}});
  span.events.push_back(Event{"no attributes", 43, {}});
  span.status_code = StatusCode::kError;
  span.status_message = "failed";
  return span;
}

TEST(PackedSpan, UnpacksToTheSpanThatWasPacked) {
  const SpanData span = full_span();
  ASSERT_FALSE(span.attributes[11].key.interned());  // the long key is owned
  std::string packed;
  pack_span(span, packed);
  EXPECT_EQ(packed.size(), packed_size(span));
  SpanData out;
  ASSERT_TRUE(unpack_span(packed, out));
  EXPECT_EQ(out, span);
  EXPECT_TRUE(out.attributes[0].key.interned());  // the same interned key, by address
  EXPECT_EQ(out.attributes[0].key.interned_text(), span.attributes[0].key.interned_text());
}

TEST(PackedSpan, AnEmptySpanRoundTrips) {
  std::string packed;
  pack_span(SpanData{}, packed);
  SpanData out;
  ASSERT_TRUE(unpack_span(packed, out));
  EXPECT_EQ(out, SpanData{});
}

// A buffer is reused from span to span: a smaller span replaces a bigger one entirely, and a
// cleared span keeps its storage when unpacked into.
TEST(PackedSpan, ReusesTheBuffersItIsGiven) {
  std::string packed;
  pack_span(full_span(), packed);
  SpanData small;
  small.name = "small";
  small.set_attribute("n", std::int64_t{1});
  pack_span(small, packed);
  SpanData out = full_span();
  out.clear();
  const char* name_storage = out.name.data();
  ASSERT_TRUE(unpack_span(packed, out));
  EXPECT_EQ(out, small);
  EXPECT_EQ(out.name.data(), name_storage);
}

// The export thread unpacks each batch over the previous one: whatever `out` held before,
// it becomes the packed span, and the values it had keep their storage.
TEST(PackedSpan, UnpacksOverAnotherSpanReusingItsValues) {
  SpanData first;
  first.name = "first";
  first.set_attribute("url.full", std::string("http://127.0.0.1:8089/first/long/enough"));
  first.set_attribute("kept as int", std::int64_t{1});
  SpanData second;
  second.name = "second";
  second.set_attribute("url.full", std::string("http://127.0.0.1:8089/other/long/enough"));
  second.set_attribute("kept as int", std::string("now a string"));
  std::string packed;
  SpanData out;
  pack_span(full_span(), packed);
  ASSERT_TRUE(unpack_span(packed, out));
  pack_span(first, packed);
  ASSERT_TRUE(unpack_span(packed, out));
  EXPECT_EQ(out, first);
  const char* url_storage = std::get<std::string>(out.attributes[0].value).data();
  pack_span(second, packed);
  ASSERT_TRUE(unpack_span(packed, out));
  EXPECT_EQ(out, second);
  EXPECT_EQ(std::get<std::string>(out.attributes[0].value).data(), url_storage);
  pack_span(full_span(), packed);
  ASSERT_TRUE(unpack_span(packed, out));
  EXPECT_EQ(out, full_span());
}

TEST(PackedSpan, RejectsEveryTruncationAndTrailingBytes) {
  std::string packed;
  pack_span(full_span(), packed);
  for (std::size_t n = 0; n < packed.size(); ++n) {
    SpanData out;
    EXPECT_FALSE(unpack_span(std::string_view(packed).substr(0, n), out)) << n;
  }
  SpanData out;
  EXPECT_FALSE(unpack_span(packed + "x", out));
}

}  // namespace
}  // namespace chaostracing::detail
