# qwenvl_image: JPEG/PNG/GIF/BMP/WebP/TIFF decoding as Pillow does it, bicubic resize and CLIP normalisation.
# Included from inference/CMakeLists.txt.
qwenvl_add_engine_module(qwenvl_image
  ${CMAKE_CURRENT_LIST_DIR}/decode.cpp
  ${CMAKE_CURRENT_LIST_DIR}/decode_jpeg.cpp
  ${CMAKE_CURRENT_LIST_DIR}/decode_png.cpp
  ${CMAKE_CURRENT_LIST_DIR}/decode_gif.cpp
  ${CMAKE_CURRENT_LIST_DIR}/decode_bmp.cpp
  ${CMAKE_CURRENT_LIST_DIR}/decode_webp.cpp
  ${CMAKE_CURRENT_LIST_DIR}/decode_tiff.cpp
  ${CMAKE_CURRENT_LIST_DIR}/resize.cpp
  ${CMAKE_CURRENT_LIST_DIR}/normalize.cpp)
# image.h only forward-declares util's ThreadPool; the codecs are used inside the decoders.
target_link_libraries(qwenvl_image PRIVATE qwenvl_util JPEG::JPEG PNG::PNG GIF::GIF TIFF::TIFF PkgConfig::WEBP)
# Pillow's resampler weights and torchvision's float32 normalisation are matched bit for bit;
# a fused multiply-add (e.g. under -march=native) would round differently.
set_source_files_properties(
  ${CMAKE_CURRENT_LIST_DIR}/resize.cpp
  ${CMAKE_CURRENT_LIST_DIR}/normalize.cpp
  PROPERTIES COMPILE_OPTIONS "-ffp-contract=off")
