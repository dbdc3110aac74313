// What the visualizer shows and steers: one lab (lab/lab.h: VMs and the
// container kernel on one host) built from a named scenario, a small trace
// of each VM's latest exits and of the container kernel's system calls, the
// lesson open beside the panels, and the run, pause and step controls.
//
// Threads. The lab runs on a worker thread, in slices of a few rounds,
// while the UI thread draws. The lab is behind one mutex: the worker holds
// it for a slice and lets go between slices; the UI thread takes it once a
// frame (freeze()), and while it holds it the lab stands still between two
// slices, so the panels read a consistent host (DESIGN.md: panels read
// state, never own it). The UI says when its next frame comes
// (next_freeze_at) and the worker lets go a little before, so a frame does
// not wait for a worker that the host's scheduler stopped while it held
// the lab. The costly part of a frame, rasterizing the draw
// lists, happens after the UI has let go. Controls (buttons, keys, the
// console line, a lesson's Run) are posted as commands and carried out by
// the worker between slices, so only the worker ever changes the lab and a
// long step does not freeze the window.
//
// Without start_worker() (screenshots, tests) nothing runs on its own:
// advance_frame() carries out the posted commands and then a fixed number
// of rounds, on the caller's thread, so the same frames draw the same
// pictures.
#pragma once
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "lab/lab.h"
#include "lessons/lesson.h"
#include "trace/trace.h"
#include "ui/scenario.h"

namespace isolab::ui {

// The GUI's extras beside one of the lab's VMs.
struct VmSlot {
  emulator::Vm* vm = nullptr;
  std::unique_ptr<trace::Trace> exits;  // the latest VM exits, with qualification
  const emulator::Machine* watched = nullptr;  // whose console output is watched for the prompt
  // The VM's simulated time when its shell first printed its prompt
  // ("$ "): from power-on, its start-up, measured (0: not yet).
  std::shared_ptr<uint64_t> ready_ns = std::make_shared<uint64_t>(0);
};

// What the comparison dashboard knows of a container, from the kernel's trace.
struct ContainerFigures {
  uint64_t syscalls = 0;
  uint64_t start_ns = 0;  // the kernel's clock when it started
  // Simulated time from its start to its first system call: a process
  // starting on a kernel that already runs (0: not yet).
  uint64_t first_syscall_ns = 0;
};

// The open lesson and how far the student got.
struct LessonView {
  lessons::Lesson lesson;
  std::vector<bool> step_ran;               // its actions were run
  std::vector<std::string> action_output;   // what the actions printed, per step
};

class Session {
 public:
  // Build the scenario's lab: its VMs with miniOS loaded, all running, its
  // containers started, its lesson open. On failure returns null and sets
  // `error` (what and where).
  static std::unique_ptr<Session> create(const Scenario& scenario, std::string& error);
  ~Session();

  lab::Lab lab;
  std::vector<VmSlot> slots;  // the lab's VMs, in order (sync_slots keeps it so)
  trace::Trace syscalls{2048};  // the container kernel's latest system calls and events
  std::map<std::string, ContainerFigures> container_figures;  // by container name
  std::optional<LessonView> lesson;
  size_t selected = 0;        // the VM the per-VM panels show
  std::string status;         // the last control's outcome, for the Controls panel
  uint64_t frames = 0;        // frames drawn so far
  bool running = true;        // Run/Pause: does the lab advance?
  // Guest instructions retired by all VMs and the container kernel.
  uint64_t total_insns() const;

  VmSlot* current() { return selected < slots.size() ? &slots[selected] : nullptr; }

  // --- threads -------------------------------------------------------------
  // Run the lab on a worker thread from now on; stop_worker() (or the
  // destructor) joins it.
  void start_worker();
  void stop_worker();
  bool has_worker() const { return worker_.joinable(); }
  // Hold the lab still between slices while the caller reads it.
  std::unique_lock<std::mutex> freeze();
  // The UI will freeze the lab again at about `when` (its next frame): the
  // worker lets go of the lab a little before, rather than be caught
  // holding it while the host's scheduler has it waiting for a core (on a
  // busy host a frame would otherwise wait for the worker's next turn).
  void next_freeze_at(std::chrono::steady_clock::time_point when);
  // Carry out `command` on the lab between slices (on the worker, or at the
  // next advance_frame). It may set `status`.
  void post(std::function<void(Session&)> command);
  // Without a worker: carry out the posted commands, then run the lab for
  // `rounds` rounds (when running).
  void advance_frame(uint64_t rounds);
  // Make `slots` match the lab's VMs (lesson actions and the console create
  // and clone VMs); give each a trace. Call with the lab frozen.
  void sync_slots();

  // --- controls (posted; see lab/debugger.h for the steps) -----------------
  // Call these with the lab frozen (they read the selected VM's slot).
  void run_all();     // start every paused VM and let the lab advance
  void pause_all();   // pause every running VM and stop the lab
  void toggle_run() { running ? pause_all() : run_all(); }
  void step_instruction();  // the selected VM, one instruction
  void step_to_exit();      // the selected VM, to its next VM exit
  void step_to_syscall();   // the selected VM, to its next system call
  void continue_to_break(); // the selected VM, to its next breakpoint
  void step_container(const std::string& name);  // to its next system call
  void continue_container(const std::string& name);  // to a system call it has a breakpoint on
  // Set container `name`'s breakpoint on system call `nr`, or remove it if
  // it has one (the Syscall log's "break on this syscall").
  void toggle_container_breakpoint(const std::string& name, uint32_t nr);
  void type_line(const std::string& line);       // into the selected VM's serial console
  // Keys pressed on the selected VM's screen, as the bytes a terminal sends
  // (Enter as CR, Backspace as DEL, Ctrl-C as 0x03): into its serial port
  // at once, one byte a character, as a terminal types them; the guest's
  // line discipline echoes and edits them (miniOS: kernel/console.c).
  void type_keys(const std::string& bytes);
  void console_command(const std::string& line); // a lab console command (lab/console.h)
  void run_lesson_step(size_t step);             // the open lesson's step, its actions
  std::string console_output;  // what console commands printed

 private:
  void worker_loop();
  void run_posted();

  std::mutex mu_;       // the lab, and everything above that the controls change
  std::mutex post_mu_;  // posted_ only (posting never waits for a slice)
  std::condition_variable wake_;
  std::atomic<int> ui_waiting_{0};
  std::atomic<int64_t> next_freeze_ns_{0};  // steady_clock nanoseconds; 0: no frame expected
  std::atomic<bool> quit_{false};
  std::thread worker_;
  std::deque<std::function<void(Session&)>> posted_;
};

}  // namespace isolab::ui
