# engine/: Model and ChatSession (the public engine.h), prompt assembly, the sampler and its
# limits, the Backend interface. Adds to qwenvl_engine (inference/CMakeLists.txt).
target_sources(qwenvl_engine PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/engine.cpp
  ${CMAKE_CURRENT_LIST_DIR}/session.cpp
  ${CMAKE_CURRENT_LIST_DIR}/prompt.cpp
  ${CMAKE_CURRENT_LIST_DIR}/sampler.cpp
  ${CMAKE_CURRENT_LIST_DIR}/sampling_limits.cpp)
# backend.h and model_impl.h expose the weights, the tokenizer and std::mutex members; pictures
# and the chat template are used inside prompt.cpp and session.cpp.
target_link_libraries(qwenvl_engine
  PUBLIC qwenvl_model qwenvl_tokenizer Threads::Threads
  PRIVATE qwenvl_image qwenvl_chat qwenvl_util)
