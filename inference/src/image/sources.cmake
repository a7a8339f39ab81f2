list(APPEND QWENVL_CORE_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/decode.cpp
  ${CMAKE_CURRENT_LIST_DIR}/decode_jpeg.cpp
  ${CMAKE_CURRENT_LIST_DIR}/decode_png.cpp
  ${CMAKE_CURRENT_LIST_DIR}/resize.cpp
  ${CMAKE_CURRENT_LIST_DIR}/normalize.cpp)
# Pillow's resampler weights and torchvision's float32 normalisation are matched bit for bit;
# a fused multiply-add (e.g. under -march=native) would round differently.
set_source_files_properties(
  ${CMAKE_CURRENT_LIST_DIR}/resize.cpp
  ${CMAKE_CURRENT_LIST_DIR}/normalize.cpp
  PROPERTIES COMPILE_OPTIONS "-ffp-contract=off")
