# qwenvl_tokenizer: tiktoken vocabulary, pre-split, NFC (generated tables) and SentencePiece's
# BPE merges. Included from inference/CMakeLists.txt.
qwenvl_add_engine_module(qwenvl_tokenizer
  ${CMAKE_CURRENT_LIST_DIR}/tokenizer.cpp
  ${CMAKE_CURRENT_LIST_DIR}/vocab.cpp
  ${CMAKE_CURRENT_LIST_DIR}/bpe_sentencepiece.cpp
  ${CMAKE_CURRENT_LIST_DIR}/pretokenize.cpp
  ${CMAKE_CURRENT_LIST_DIR}/unicode.cpp
  ${CMAKE_CURRENT_LIST_DIR}/unicode_data_properties.cpp
  ${CMAKE_CURRENT_LIST_DIR}/unicode_data_decompositions.cpp
  ${CMAKE_CURRENT_LIST_DIR}/unicode_data_compositions.cpp
  ${CMAKE_CURRENT_LIST_DIR}/unicode_data_case_folds.cpp)
# The headers show neither: bpe.h only forward-declares SentencePiece's processor.
target_link_libraries(qwenvl_tokenizer PRIVATE qwenvl_util PkgConfig::SENTENCEPIECE)
