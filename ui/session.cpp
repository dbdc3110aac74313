// The visualizer's session: scenarios, the lab they build, the worker
// thread that runs it, and the controls. See session.h.
#include "ui/session.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <climits>
#include <chrono>
#include <sstream>
#include <thread>

#include "lab/console.h"
#include "lab/debugger.h"

namespace isolab::ui {

namespace {

// How long the worker holds the lab for one slice of rounds: short enough
// that the UI never waits long for it, long enough that taking and
// releasing the lock costs nothing.
constexpr auto kSliceWall = std::chrono::milliseconds(4);
// How long before the UI's next frame the worker lets go of the lab, and
// how late a frame may be before the worker stops waiting for it.
constexpr auto kFreezeMargin = std::chrono::microseconds(2500);
constexpr auto kFrameLate = std::chrono::milliseconds(40);

int64_t steady_ns(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}
// Instructions a step started from the GUI may take before it gives up
// (a few tenths of a second of the user's time).
constexpr uint64_t kGuiStepBudget = 50'000'000;
// What the console panel keeps of the commands' output.
constexpr size_t kConsoleKeep = 32 * 1024;

}  // namespace

std::unique_ptr<Session> Session::create(const Scenario& scenario, std::string& error) {
  auto session = std::make_unique<Session>();
  Session& s = *session;
  s.lab.kernel.trace = &s.syscalls;
  // Count each container's calls as they happen (on the thread running the lab).
  s.syscalls.add_sink([&s](const trace::Event& e) {
    if (e.kind == trace::Kind::Container && std::string_view(e.what) == "start" && !s.container_figures.count(e.source))
      s.container_figures[e.source].start_ns = e.time_ns;
    if (e.kind != trace::Kind::Syscall) return;
    ContainerFigures& f = s.container_figures[e.source];
    f.syscalls++;
    if (!f.first_syscall_ns) f.first_syscall_ns = std::max<uint64_t>(1, e.time_ns - std::min(e.time_ns, f.start_ns));
  });
  if (auto problem = build_scenario(s.lab, scenario)) {
    error = *problem;
    return nullptr;
  }
  if (!scenario.lesson.empty()) {
    lessons::ParsedLesson p = lessons::load_lesson(scenario.lesson);
    if (!p.lesson) {
      error = p.error;
      return nullptr;
    }
    s.lesson = LessonView{std::move(*p.lesson), {}, {}};
    s.lesson->step_ran.assign(s.lesson->lesson.steps.size(), false);
    s.lesson->action_output.assign(s.lesson->lesson.steps.size(), "");
    for (int k = 0; k < scenario.lesson_steps_run && size_t(k) < s.lesson->lesson.steps.size(); k++)
      s.run_lesson_step(size_t(k));
    s.run_posted();
  }
  s.sync_slots();
  return session;
}

Session::~Session() { stop_worker(); }

uint64_t Session::total_insns() const {
  uint64_t n = lab.kernel.cpu.s.insns;
  for (const auto& vm : lab.host.vms()) n += vm->machine->cpu.s.insns;
  return n;
}

void Session::sync_slots() {
  const auto& vms = lab.host.vms();
  std::map<const emulator::Vm*, std::unique_ptr<trace::Trace>> traces;
  std::map<const emulator::Vm*, const emulator::Machine*> watched;
  std::map<const emulator::Vm*, std::shared_ptr<uint64_t>> ready;
  for (VmSlot& slot : slots) {
    traces[slot.vm] = std::move(slot.exits);
    watched[slot.vm] = slot.watched;
    ready[slot.vm] = slot.ready_ns;
  }
  slots.clear();
  for (const auto& vm : vms) {
    VmSlot& slot = slots.emplace_back();
    slot.vm = vm.get();
    auto it = traces.find(vm.get());
    slot.exits = it != traces.end() && it->second ? std::move(it->second) : std::make_unique<trace::Trace>(256);
    // A restore or clone gives the VM a new machine: attach the trace again.
    vm->machine->trace = slot.exits.get();
    if (it != traces.end()) slot.ready_ns = ready[vm.get()];
    if (watched[vm.get()] != vm->machine.get()) {
      // Watch its console for the first prompt, after the lab's own hook.
      emulator::Machine* m = vm->machine.get();
      std::function<void(uint8_t)> lab_hook = m->on_console;
      std::shared_ptr<uint64_t> ready_at = slot.ready_ns;
      m->on_console = [lab_hook, ready_at, m](uint8_t b) {
        if (lab_hook) lab_hook(b);
        if (b == '$' && !*ready_at) *ready_at = std::max<uint64_t>(1, m->now_ns());
      };
    }
    slot.watched = vm->machine.get();
  }
  if (selected >= slots.size()) selected = 0;
}

// --- threads ---------------------------------------------------------------------

void Session::start_worker() {
  if (worker_.joinable()) return;
  quit_ = false;
  worker_ = std::thread([this] { worker_loop(); });
}

void Session::stop_worker() {
  if (!worker_.joinable()) return;
  quit_ = true;
  {
    std::lock_guard<std::mutex> lk(post_mu_);
    wake_.notify_all();
  }
  worker_.join();
}

void Session::next_freeze_at(std::chrono::steady_clock::time_point when) { next_freeze_ns_ = steady_ns(when); }

std::unique_lock<std::mutex> Session::freeze() {
  // Tell the worker to let go at the end of its slice, and wait for it.
  ui_waiting_++;
  std::unique_lock<std::mutex> lk(mu_);
  ui_waiting_--;
  return lk;
}

void Session::post(std::function<void(Session&)> command) {
  std::lock_guard<std::mutex> lk(post_mu_);
  posted_.push_back(std::move(command));
  wake_.notify_all();
}

void Session::run_posted() {
  std::deque<std::function<void(Session&)>> todo;
  {
    std::lock_guard<std::mutex> lk(post_mu_);
    todo.swap(posted_);
  }
  for (auto& command : todo) command(*this);
}

void Session::worker_loop() {
  // The window comes first, by taking turns rather than by priority: the
  // worker runs at the UI thread's nice value and lets go of the lab before
  // each frame. A niced worker was starved on a busy host (a classroom
  // machine, two cores shared with a compiler) while it held the lab, and
  // every frame waited for its next turn on a core (bench ui at load 10:
  // 22 ms a frame waiting, 20 fps; at the same nice value with the turns,
  // 2-4 ms and 33-36 fps).
  using Clock = std::chrono::steady_clock;
  while (!quit_) {
    // The UI is waiting to draw: let it have the lab first.
    while (ui_waiting_.load() > 0 && !quit_) std::this_thread::yield();
    // Its next frame is near: leave the lab free until it has drawn (it
    // sets the frame after), unless the frame is long overdue.
    const int64_t due = next_freeze_ns_.load();
    const int64_t now = steady_ns(Clock::now());
    const int64_t margin = std::chrono::nanoseconds(kFreezeMargin).count();
    if (due && now >= due - margin && now < due + std::chrono::nanoseconds(kFrameLate).count()) {
      std::this_thread::sleep_for(std::chrono::microseconds(500));
      continue;
    }
    bool progressed = false;
    {
      std::unique_lock<std::mutex> lk(mu_);
      run_posted();
      if (running) {
        const auto start = Clock::now();
        const int64_t stop_at = due && due - margin > steady_ns(start) ? due - margin : INT64_MAX;
        do progressed = lab.run_round();
        while (progressed && ui_waiting_.load() == 0 && !quit_ && Clock::now() - start < kSliceWall &&
               steady_ns(Clock::now()) < stop_at);
      }
    }
    if (!progressed && !quit_) {
      // Nothing to run: sleep until a command comes (or a while passes).
      std::unique_lock<std::mutex> lk(post_mu_);
      wake_.wait_for(lk, std::chrono::milliseconds(20), [this] { return quit_ || !posted_.empty(); });
    }
  }
}

void Session::advance_frame(uint64_t rounds) {
  std::unique_lock<std::mutex> lk = freeze();
  run_posted();
  if (running)
    for (uint64_t r = 0; r < rounds; r++)
      if (!lab.run_round()) break;
}

// --- controls ----------------------------------------------------------------------

void Session::run_all() {
  post([](Session& s) {
    for (const auto& vm : s.lab.host.vms()) s.lab.host.start(*vm);
    s.running = true;
    s.status = "running";
  });
}

void Session::pause_all() {
  post([](Session& s) {
    for (const auto& vm : s.lab.host.vms()) s.lab.host.pause(*vm);
    s.running = false;
    s.status = "paused";
  });
}

namespace {

void post_step(Session& s, lab::StepKind kind) {
  const VmSlot* slot = s.current();
  if (!slot) return;
  const std::string name = slot->vm->name;
  s.post([name, kind](Session& s) { s.status = lab::step_vm(s.lab, name, kind, kGuiStepBudget).message; });
}

}  // namespace

void Session::step_instruction() { post_step(*this, lab::StepKind::Instruction); }
void Session::step_to_exit() { post_step(*this, lab::StepKind::Exit); }
void Session::step_to_syscall() { post_step(*this, lab::StepKind::Syscall); }
void Session::continue_to_break() { post_step(*this, lab::StepKind::Breakpoint); }

void Session::step_container(const std::string& name) {
  post([name](Session& s) { s.status = lab::step_container(s.lab, name, std::nullopt, kGuiStepBudget).message; });
}

void Session::continue_container(const std::string& name) {
  post([name](Session& s) { s.status = lab::continue_container(s.lab, name, kGuiStepBudget).message; });
}

void Session::toggle_container_breakpoint(const std::string& name, uint32_t nr) {
  post([name, nr](Session& s) {
    const lab::Breakpoint b{lab::BreakKind::Syscall, nr};
    if (lab::remove_container_breakpoint(s.lab, name, b)) {
      s.status = name + ": breakpoint " + lab::describe(b) + " removed";
    } else if (auto problem = lab::add_container_breakpoint(s.lab, name, b)) {
      s.status = "ctr break: " + *problem;
    } else {
      s.status = name + ": breakpoint " + lab::describe(b);
    }
  });
}

void Session::type_line(const std::string& line) {
  const VmSlot* slot = current();
  if (!slot) return;
  const std::string name = slot->vm->name;
  post([name, line](Session& s) {
    if (s.lab.find_vm(name)) s.lab.extra(name).pending_input += line + "\n";
  });
}

void Session::type_keys(const std::string& bytes) {
  const VmSlot* slot = current();
  if (!slot || bytes.empty()) return;
  const std::string name = slot->vm->name;
  post([name, bytes](Session& s) {
    if (emulator::Vm* vm = s.lab.find_vm(name)) vm->machine->uart.receive(std::string_view(bytes));
  });
}

void Session::console_command(const std::string& line) {
  post([line](Session& s) {
    std::ostringstream out;
    out << "> " << line << "\n";
    lab::ParsedCommand p = lab::parse_command(line);
    if (!p.command) {
      out << "error: " << p.error << "\n";
    } else {
      lab::Outcome o = lab::run_command(s.lab, *p.command, out);
      if (o.status != lab::Status::Ok) out << "error: " << o.message << "\n";
    }
    s.console_output += out.str();
    if (s.console_output.size() > kConsoleKeep) s.console_output.erase(0, s.console_output.size() - kConsoleKeep);
    s.sync_slots();
  });
}

void Session::run_lesson_step(size_t step) {
  post([step](Session& s) {
    if (!s.lesson || step >= s.lesson->lesson.steps.size()) return;
    std::ostringstream out;
    for (const lessons::Item& item : s.lesson->lesson.steps[step].items) {
      if (!item.action) continue;
      out << "> " << item.action->text << "\n";
      lab::Outcome o = lab::run_command(s.lab, item.action->command, out);
      if (o.status != lab::Status::Ok) {
        out << "error: " << o.message << "\n";
        break;
      }
    }
    s.lesson->step_ran[step] = true;
    s.lesson->action_output[step] = out.str();
    s.status = fmt::format("lesson step {} ran", step + 1);
    s.sync_slots();
  });
}

}  // namespace isolab::ui
