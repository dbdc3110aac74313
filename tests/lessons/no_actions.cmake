# `lesson check --no-actions LESSON` must exit 1 with every check failed:
# a check that holds without the lesson's actions tests nothing.
execute_process(COMMAND ${CLI} lesson check ${LESSON} --no-actions
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 1)
  message(FATAL_ERROR "expected exit 1 with no actions, got ${rc}\n${out}${err}")
endif()
if(NOT out MATCHES "(^|\n)0 passed, [1-9][0-9]* failed\n$")
  message(FATAL_ERROR "a check holds with no action run (it cannot fail):\n${out}${err}")
endif()
