# engine/: two libraries. qwenvl_backend_api is what every backend implements (Backend, KvCache,
# ForwardRequest, the checks every forward pass goes through); qwenvl_engine is Model,
# ChatSession, the Runner beneath it, prompt assembly, the sampler and its limits.
qwenvl_add_engine_module(qwenvl_backend_api
  ${CMAKE_CURRENT_LIST_DIR}/backend.cpp)
# backend.h exposes the weights (model/weights.h).
target_link_libraries(qwenvl_backend_api PUBLIC qwenvl_model)

qwenvl_add_engine_module(qwenvl_engine
  ${CMAKE_CURRENT_LIST_DIR}/engine.cpp
  ${CMAKE_CURRENT_LIST_DIR}/session.cpp
  ${CMAKE_CURRENT_LIST_DIR}/runner.cpp
  ${CMAKE_CURRENT_LIST_DIR}/prompt.cpp
  ${CMAKE_CURRENT_LIST_DIR}/sampler.cpp
  ${CMAKE_CURRENT_LIST_DIR}/sampling_limits.cpp)
# model_impl.h exposes the weights, the tokenizer, the backend and a std::mutex; Model::load
# chooses a backend through the registry (qwenvl_backends), never through a backend's headers.
target_link_libraries(qwenvl_engine
  PUBLIC qwenvl_backend_api qwenvl_model qwenvl_tokenizer Threads::Threads
  PRIVATE qwenvl_backends qwenvl_image qwenvl_chat qwenvl_util)
