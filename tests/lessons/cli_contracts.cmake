# The exit statuses and messages of `isolab console` and `isolab lesson`
# (DESIGN.md section 7: 0 success, 1 a check failed, 2 bad input with
# "FILE:LINE: message"). Run as cmake -P with CLI, DATA, LESSON, WORK.

# run(NAME RC STDOUT_REGEX STDERR_REGEX ARGS...)
function(run name want_rc out_re err_re)
  execute_process(COMMAND ${CLI} ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL want_rc)
    message(FATAL_ERROR "${name}: exit ${rc}, expected ${want_rc}\nstdout:\n${out}\nstderr:\n${err}")
  endif()
  if(NOT out MATCHES "${out_re}")
    message(FATAL_ERROR "${name}: stdout does not match '${out_re}':\n${out}")
  endif()
  if(NOT err MATCHES "${err_re}")
    message(FATAL_ERROR "${name}: stderr does not match '${err_re}':\n${err}")
  endif()
  message(STATUS "${name}: ok")
endfunction()

# --- isolab console ---------------------------------------------------------
run(console_two_vms_three_containers 0
    "host.vms.running = 2\nctr.job.logs = \"hello from a container\\\\n\"\nctr.db.logs = \"database\\\\n\"\nctr.web.pids.max = 4\n.*web +minios +running.*/web +0 +0 +4 +0 +max\n"
    "^$" console ${DATA}/two_vms_three_containers.isolab)
file(WRITE ${WORK}/syntax.isolab "vm create a\nshow vm.a.state\nvm frobnicate a\n")
run(console_syntax_error 2 "^$" "syntax.isolab:3: vm: unknown verb 'frobnicate'" console ${WORK}/syntax.isolab)
file(WRITE ${WORK}/probe.isolab "vm create a\n\nexpect vm.a.exits.HTL > 0\n")
run(console_unknown_probe 2 "^$" "probe.isolab:3: .*unknown exit reason 'HTL'" console ${WORK}/probe.isolab)
file(WRITE ${WORK}/expect.isolab "vm create a\nexpect vm.a.state == \"running\"\nshow vm.a.state\n")
run(console_expect_fails 1 "^$" "expect.isolab:2: expect vm.a.state == \"running\": false \\(vm.a.state = \"created\"\\)"
    console ${WORK}/expect.isolab)
file(WRITE ${WORK}/wait.isolab "vm create a\nvm start a\nwait until vm.a.console contains \"never\" --timeout 50ms\n")
run(console_wait_times_out 1 "" "wait.isolab:3: wait until .*: still false after 50ms" console ${WORK}/wait.isolab)
file(WRITE ${WORK}/badmigrate.isolab "vm migrate a b\n")
run(console_bad_migrate 2 "" "badmigrate.isolab:1: vm migrate: unexpected 'b' after the name" console ${WORK}/badmigrate.isolab)
file(WRITE ${WORK}/noctr.isolab "ctr exec web ps\n")
run(console_no_container 2 "" "noctr.isolab:1: ctr exec: no container named 'web'" console ${WORK}/noctr.isolab)
run(console_missing_script 2 "" "cannot read" console ${WORK}/no-such.isolab)

# --- isolab lesson ------------------------------------------------------------
run(lesson_list 0 "01-what-a-vm-is.md +What a VM is \\(5 steps\\)\n02-shadow-paging.md +Shadow paging.*\n11-the-same-kernel-is-required.md +The same kernel is required \\([0-9]+ steps\\)\n" "^$" lesson list)
run(lesson_check_report 0 "passed, 0 failed\n$" "^$" lesson check ${LESSON} --report ${WORK}/report.json)
file(READ ${WORK}/report.json report)
if(NOT report MATCHES "\"seen\": {\"vm.a.state\": \"\\\\\"created\\\\\"\"")
  message(FATAL_ERROR "report.json lacks the values seen:\n${report}")
endif()

# One check's number changed: exit 1 naming the step, the line, the
# expression and the values seen.
file(READ ${LESSON} text)
string(REPLACE "vm.a.exits > 1000  #" "vm.a.exits > 1000000000  #" changed "${text}")
file(WRITE ${WORK}/changed.md "${changed}")
run(lesson_changed_number 1 "passed, 1 failed\n$"
    "changed.md:[0-9]+: step 2 \\(Boot miniOS\\): check failed: vm.a.exits > 1000000000: false \\(vm.a.exits = [0-9]+\\)"
    lesson check ${WORK}/changed.md)

# Malformed lessons: exit 2 naming the file and line.
set(head "# T\n\nintro\n\n## Step 1: s\n\n")
file(WRITE ${WORK}/unclosed.md "${head}```isolab\nvm create a\n")
run(lesson_unclosed_fence 2 "^$" "unclosed.md:7: the ```isolab block opened here is never closed" lesson check ${WORK}/unclosed.md)
file(WRITE ${WORK}/badcmd.md "${head}```isolab\nvm create a\nvm fly a\n```\n```check\nvm.a.insns == 0  # m\n```\n")
run(lesson_unknown_command 2 "^$" "badcmd.md:9: vm: unknown verb 'fly'" lesson check ${WORK}/badcmd.md)
file(WRITE ${WORK}/badexpr.md "${head}```check\nvm.a.insns = 0  # m\n```\n")
run(lesson_bad_expression 2 "^$" "badexpr.md:8: check 'vm.a.insns = 0': column 12: '=' is not an operator" lesson check ${WORK}/badexpr.md)
file(WRITE ${WORK}/badprobe.md "${head}```check\nvm.a.instructions > 0  # m\n```\n")
run(lesson_unknown_probe 2 "^$" "badprobe.md:8: .*unknown probe 'vm.a.instructions'" lesson check ${WORK}/badprobe.md)
file(WRITE ${WORK}/nomsg.md "${head}```check\nvm.a.insns > 0\n```\n")
run(lesson_check_without_message 2 "^$" "nomsg.md:8: check 'vm.a.insns > 0' has no message" lesson check ${WORK}/nomsg.md)

# ```ask blocks: `lesson run` asks on standard input and says right or
# wrong with the computed answer; a wrong answer is a failed check (exit 1);
# `lesson check` computes the answer; a malformed block exits 2 naming the line.
file(WRITE ${WORK}/ask.md "${head}```isolab\nvm create a --mem 16M\n```\n\n```ask\nHow many MiB of RAM has VM a?\nanswer: vm.a.mem / 1048576\n```\n")
file(WRITE ${WORK}/right.txt "16\n")
file(WRITE ${WORK}/wrong.txt "15\n")
execute_process(COMMAND ${CLI} lesson run ${WORK}/ask.md --report ${WORK}/ask.json INPUT_FILE ${WORK}/right.txt
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT out MATCHES "question: How many MiB of RAM has VM a\\?\nanswer> right: the lab computed 16\n.*1 passed, 0 failed\n$")
  message(FATAL_ERROR "lesson run with a right answer: exit ${rc}\n${out}${err}")
endif()
file(READ ${WORK}/ask.json report)
if(NOT report MATCHES "\"ask\": {\"question\": \"How many MiB of RAM has VM a\\?\", \"answer\": \"16\", \"answered\": true, \"given\": \"16\", \"correct\": true}")
  message(FATAL_ERROR "the report lacks the question and answers:\n${report}")
endif()
execute_process(COMMAND ${CLI} lesson run ${WORK}/ask.md INPUT_FILE ${WORK}/wrong.txt
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 1 OR NOT out MATCHES "answer> wrong: the lab computed 16\n"
   OR NOT err MATCHES "ask.md:13: step 1 \\(s\\): ask failed: vm.a.mem / 1048576: wrong answer 15 \\(the lab computed 16\\)")
  message(FATAL_ERROR "lesson run with a wrong answer: exit ${rc}\n${out}${err}")
endif()
message(STATUS "lesson_run_ask: ok")
run(lesson_check_ask 0 "^1 passed, 0 failed\n$" "^$" lesson check ${WORK}/ask.md)
run(lesson_check_ask_no_actions 1 "^0 passed, 1 failed\n$" "ask failed: .*no VM named 'a'" lesson check ${WORK}/ask.md --no-actions)
file(WRITE ${WORK}/badask.md "${head}```ask\nHow many?\ncompare: about\n```\n")
run(lesson_malformed_ask 2 "^$" "badask.md:9: compare: 'about': expected exact, within N or within N%" lesson check ${WORK}/badask.md)

# `host cgroups` and the cgroup probes in a console script.
file(WRITE ${WORK}/cgroups.isolab "ctr run --name web --pids-limit 5 --memory 4M minios spin\nwait 1ms\nhost cgroups\nshow ctr.web.pids.max\nshow ctr.web.memory.max\n")
run(console_host_cgroups 0 "/web +1 +1 +5 +[0-9]+ +4194304\nctr.web.pids.max = 5\nctr.web.memory.max = 4194304\n" "^$"
    console ${WORK}/cgroups.isolab)
