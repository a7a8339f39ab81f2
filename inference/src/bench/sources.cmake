# qwenvl-bench: throughput and latency of the tokenizer, the preprocessing and the model, on the
# command registry of qwenvl_cli_common (src/cli/sources.cmake, included first).
add_executable(qwenvl-bench
  ${CMAKE_CURRENT_LIST_DIR}/main.cpp
  ${CMAKE_CURRENT_LIST_DIR}/bench_tokenizer.cpp
  ${CMAKE_CURRENT_LIST_DIR}/bench_preprocess.cpp
  ${CMAKE_CURRENT_LIST_DIR}/bench_model.cpp
  ${CMAKE_CURRENT_LIST_DIR}/bench_cpu.cpp)
# bench_model.cpp reads the CUDA backend's memory figures through the loaded module's table
# (backends/cuda_module.h), so the benchmark links no CUDA library either.
target_link_libraries(qwenvl-bench PRIVATE qwenvl_cli_common
  qwenvl_internal nlohmann_json::nlohmann_json)
qwenvl_set_warnings(qwenvl-bench)
