# keel_add_test(NAME name SOURCES a.cpp ... LIBS lib ... LABELS unit|data|integration ...)
# One GoogleTest program per feature, registered with CTest under its labels.
function(keel_add_test)
  cmake_parse_arguments(T "" "NAME;TIMEOUT" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${T_NAME} ${T_SOURCES})
  target_link_libraries(${T_NAME} PRIVATE ${T_LIBS} keel::options GTest::gtest GTest::gtest_main)
  target_compile_definitions(${T_NAME} PRIVATE
    KEEL_SHARED_DATA_DIR="${KEEL_SHARED_DATA_DIR}"
    KEEL_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    KEEL_BINARY_DIR="${PROJECT_BINARY_DIR}")
  add_test(NAME ${T_NAME} COMMAND ${T_NAME})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 300)
  endif()
  set_tests_properties(${T_NAME} PROPERTIES LABELS "${T_LABELS}" TIMEOUT ${T_TIMEOUT})
endfunction()
