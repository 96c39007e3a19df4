// SPDX-License-Identifier: Apache-2.0
// _core.Closing (Pipeline.close()): the end of a run's tracing — delivering the last spans,
// then writing the run's report from what the file exporter kept — on a thread of its own,
// without the GIL. The run's own end (chaostoolkit writing its journal) goes on meanwhile, on
// the other core; wait() joins it, bounded.
#include <nanobind/stl/string.h>
#include <nanobind/stl/tuple.h>
#include <nanobind/stl/unique_ptr.h>

#include <chrono>
#include <future>
#include <optional>
#include <thread>
#include <tuple>

#include "bindings.hpp"
#include "chaostracing/report.hpp"

namespace chaostracing::bindings {
namespace {

struct Outcome {
  bool delivered = false;
  ReportWriteResult report;
};

struct PyClosing {
  std::future<Outcome> future;
  std::thread thread;
  std::optional<Outcome> outcome;

  PyClosing() = default;
  PyClosing(const PyClosing&) = delete;
  PyClosing& operator=(const PyClosing&) = delete;
  // The thread never takes the GIL: joining it while holding the GIL cannot deadlock. One
  // still at work (a report on a disk that does not answer) is left to finish, or to end with
  // the process, which is never held up past wait()'s bound.
  ~PyClosing() {
    if (!thread.joinable()) return;
    const bool done =
        !future.valid() || future.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
    if (done) {
      thread.join();
    } else {
      thread.detach();  // it owns what it uses (the processor, the kept spans)
    }
  }

  const Outcome& get() {
    if (!outcome) {
      {
        nb::gil_scoped_release release;
        future.wait();
      }
      outcome = future.get();
    }
    return *outcome;
  }
};

// The closing of `pipeline`: shut down within `timeout`, then (with a report path, when the
// file exporter kept what it wrote) the report.
Outcome close_now(const std::shared_ptr<BatchProcessor>& processor,
                  const std::shared_ptr<WrittenSpans>& written, std::chrono::milliseconds timeout,
                  const std::string& report_path, const std::string& link) noexcept {
  Outcome out;
  out.delivered = processor->shutdown(timeout);
  if (report_path.empty() || !written) return out;
  try {
    out.report = write_written_report(*written, report_path, link);
  } catch (const std::exception& error) {  // out of memory, most likely
    out.report.kept = true;
    out.report.error = std::string("cannot make the report: ") + error.what();
  }
  return out;
}

}  // namespace

nb::object close_pipeline(PyPipeline& pipeline, std::int64_t timeout_ms, std::string report,
                          std::string link) {
  auto closing = std::make_unique<PyClosing>();
  std::packaged_task<Outcome()> task(
      [processor = pipeline.processor, written = pipeline.written,
       timeout = std::chrono::milliseconds(timeout_ms < 0 ? 0 : timeout_ms),
       report = std::move(report),
       link = std::move(link)] { return close_now(processor, written, timeout, report, link); });
  closing->future = task.get_future();
  closing->thread = std::thread(std::move(task));
  return nb::cast(std::move(closing));
}

void bind_closing(nb::module_& m) {
  nb::class_<PyClosing>(m, "Closing", "A Pipeline closing on a thread of its own (close()).")
      .def(
          "wait",
          [](PyClosing& self, std::int64_t timeout_ms) {
            if (self.outcome) return true;
            const auto timeout = std::chrono::milliseconds(timeout_ms < 0 ? 0 : timeout_ms);
            nb::gil_scoped_release release;
            return self.future.wait_for(timeout) == std::future_status::ready;
          },
          nb::arg("timeout_ms"), "Whether it is done, waiting up to timeout_ms for it.")
      .def_prop_ro(
          "delivered", [](PyClosing& self) { return self.get().delivered; },
          "Whether every span was exported (Pipeline.shutdown()'s answer); waits for it.")
      .def_prop_ro(
          "report",
          [](PyClosing& self) {
            const auto& report = self.get().report;
            return std::make_tuple(report.kept, report.spans, report.error);
          },
          "(kept, spans, error): kept is False when the exporter did not keep all it wrote\n"
          "(or there was no report to write) and nothing was written; error is \"\" when the\n"
          "report was written. Waits for it.");
}

}  // namespace chaostracing::bindings
