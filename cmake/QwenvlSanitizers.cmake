# Sanitizer and fuzzing builds. QWENVL_SANITIZE=ON: every target with ASan + UBSan, any UB fatal
# (the `asan` preset). QWENVL_FUZZ=ON: clang only; every target gets coverage instrumentation and
# ASan + UBSan, and tests/fuzz builds the libFuzzer targets (the `fuzz` preset).
option(QWENVL_SANITIZE "Build everything with -fsanitize=address,undefined (fatal on any report)" OFF)
option(QWENVL_FUZZ "Build the libFuzzer targets in tests/fuzz (needs clang)" OFF)

if(QWENVL_SANITIZE OR QWENVL_FUZZ)
  set(_qwenvl_san -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_compile_options("$<$<COMPILE_LANGUAGE:C,CXX>:${_qwenvl_san}>")
  add_link_options(${_qwenvl_san})
endif()

if(QWENVL_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "QWENVL_FUZZ needs clang (libFuzzer): configure with -DCMAKE_CXX_COMPILER=clang++ "
                        "-DCMAKE_C_COMPILER=clang, or use the `fuzz` preset")
  endif()
  # Coverage feedback for the engine's code; the fuzz targets add -fsanitize=fuzzer at link time.
  add_compile_options($<$<COMPILE_LANGUAGE:C,CXX>:-fsanitize=fuzzer-no-link>)
endif()
