// SPDX-License-Identifier: Apache-2.0
// Spool: the durable on-disk queue of batches that could not be delivered (open, append,
// stats, pending records, replay through an exporter). Its C++ errors become OSError or
// ValueError; a progress callback's exception is re-raised after the replay stopped.
#include <nanobind/stl/function.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>

#include <map>
#include <system_error>

#include "bindings.hpp"
#include "chaostracing/encode/otlp_proto_decode.hpp"
#include "chaostracing/spool.hpp"

namespace chaostracing::bindings {
namespace {

std::shared_ptr<Spool> open_spool(const std::string& path, std::int64_t max_bytes) {
  if (max_bytes <= 0) {
    throw nb::value_error(("max_bytes must be positive, got " + std::to_string(max_bytes)).c_str());
  }
  try {
    return std::make_shared<Spool>(SpoolOptions{
        .directory = path,
        .max_bytes = static_cast<std::uint64_t>(max_bytes),
    });
  } catch (const std::system_error& e) {
    nb::object error =
        nb::handle(PyExc_OSError)(e.code().value(), nb::str(e.what()), nb::str(path.c_str()));
    PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(error.ptr())), error.ptr());
    throw nb::python_error();
  }
}

nb::dict stats_dict(const SpoolStats& s) {
  nb::dict d;
  d["records"] = s.records;
  d["spans"] = s.spans;
  d["bytes"] = s.bytes;
  d["segments"] = s.segments;
  return d;
}

nb::dict replay(PySpool& self, PyExporter& exporter, std::optional<std::string> destination,
                std::int64_t timeout_ms, std::optional<nb::callable> progress) {
  if (timeout_ms <= 0) {
    throw nb::value_error(
        ("timeout_ms must be positive, got " + std::to_string(timeout_ms)).c_str());
  }
  if (!exporter.exporter) {
    throw nb::value_error("this Exporter is already used by a Pipeline");
  }
  Exporter& e = *exporter.exporter;
  const std::string dest = destination.value_or(exporter.description);
  const std::chrono::milliseconds timeout(timeout_ms);
  std::optional<nb::python_error> raised;
  std::uint64_t records = 0;
  std::uint64_t spans = 0;
  ReplayResult result;
  {
    nb::gil_scoped_release release;
    result = self.spool->replay(dest, [&](const SpoolRecord& record) {
      std::optional<std::vector<DecodedBatch>> batches;
      try {
        batches = decode_otlp_proto(record.payload);
      } catch (...) {
        return DeliveryOutcome::kRetryLater;
      }
      if (!batches) return DeliveryOutcome::kRejected;
      for (const auto& batch : *batches) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        const ExportResult r = e.export_batch(batch.spans, batch.resource, batch.scope, deadline);
        if (r == ExportResult::kFailure) return DeliveryOutcome::kRetryLater;
        if (r == ExportResult::kRejected) return DeliveryOutcome::kRejected;
      }
      ++records;
      spans += record.span_count;
      if (progress) {
        nb::gil_scoped_acquire acquire;
        try {
          (*progress)(records, spans);
        } catch (nb::python_error& error) {
          raised.emplace(std::move(error));
          // Delivered all the same: only the replay stops.
          return DeliveryOutcome::kDelivered;
        }
      }
      return DeliveryOutcome::kDelivered;
    });
  }
  if (raised) throw std::move(*raised);
  nb::dict d;
  d["records_delivered"] = result.records_delivered;
  d["spans_delivered"] = result.spans_delivered;
  d["records_rejected"] = result.records_rejected;
  d["spans_rejected"] = result.spans_rejected;
  d["stopped"] = result.stopped;
  d["busy"] = result.busy;
  d["last_error"] = result.stopped || result.records_rejected ? e.last_error() : std::string();
  return d;
}

}  // namespace

void bind_spool(nb::module_& m) {
  nb::class_<PySpool>(m, "Spool",
                      "The on-disk spool of batches that could not be delivered (a directory).")
      .def(
          "__init__",
          [](PySpool* self, const std::string& path, std::int64_t max_bytes) {
            new (self) PySpool{open_spool(path, max_bytes)};
          },
          nb::arg("path"), nb::kw_only(), nb::arg("max_bytes") = std::int64_t{512} << 20)
      .def("directory", [](const PySpool& self) { return self.spool->directory().string(); })
      .def(
          "append",
          [](PySpool& self, const std::string& destination, nb::bytes payload,
             std::uint32_t span_count) {
            SpoolRecord record{.destination = destination,
                               .span_count = span_count,
                               .created_unix_nano = 0,
                               .payload = std::string(payload.c_str(), payload.size())};
            nb::gil_scoped_release release;
            return self.spool->append(record);
          },
          nb::arg("destination"), nb::arg("payload"), nb::arg("span_count"))
      .def(
          "stats",
          [](const PySpool& self, const std::string& destination) {
            SpoolStats s;
            {
              nb::gil_scoped_release release;
              s = self.spool->stats(destination);
            }
            return stats_dict(s);
          },
          nb::arg("destination") = "")
      .def(
          "pending",
          [](const PySpool& self, const std::string& destination) {
            std::vector<SpoolRecord> records;
            {
              nb::gil_scoped_release release;
              records = self.spool->pending(destination);
            }
            nb::list out;
            for (const auto& r : records) {
              nb::dict d;
              d["destination"] = r.destination;
              d["span_count"] = r.span_count;
              d["created_unix_nano"] = r.created_unix_nano;
              d["payload"] = nb::bytes(r.payload.data(), r.payload.size());
              out.append(d);
            }
            return out;
          },
          nb::arg("destination") = "")
      .def("replay", &replay, nb::arg("exporter"), nb::kw_only(),
           nb::arg("destination").none() = nb::none(), nb::arg("timeout_ms") = 10000,
           nb::arg("progress").none() = nb::none())
      .def("last_error", [](const PySpool& self) { return self.spool->last_error(); })
      .def("__repr__", [](const PySpool& self) {
        return "<chaostracing._core.Spool " + self.spool->directory().string() + ">";
      });
}

}  // namespace chaostracing::bindings
