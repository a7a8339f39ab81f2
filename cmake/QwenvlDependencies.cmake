# Third-party libraries. All come from the distribution (Debian 12 / Ubuntu 24.04 packages);
# nothing is downloaded at configure time.
find_package(Threads REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(JPEG REQUIRED)
find_package(PNG REQUIRED)
# The other picture formats, decoded with the libraries Pillow itself links (giflib stands in
# for Pillow's own LZW code; see inference/src/image).
find_package(GIF 5 REQUIRED)
find_package(TIFF REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(WEBP REQUIRED IMPORTED_TARGET libwebp libwebpdemux)
pkg_check_modules(SENTENCEPIECE REQUIRED IMPORTED_TARGET sentencepiece)

if(QWENVL_BUILD_GUI)
  find_package(Qt6 6.4 REQUIRED COMPONENTS Core Gui Widgets Concurrent Network Svg Test LinguistTools)
  set(CMAKE_AUTOMOC ON)
endif()

# The tests write checkpoints with make_checkpoint.py, which needs NumPy. Debian's python3-numpy
# belongs to /usr/bin/python3, which a pyenv shim earlier on PATH would hide: look in /usr first
# unless -DPython3_EXECUTABLE (or Python3_ROOT_DIR) names another interpreter.
if(QWENVL_BUILD_TESTS)
  if(NOT Python3_EXECUTABLE AND NOT Python3_ROOT_DIR AND EXISTS /usr/bin/python3)
    set(Python3_ROOT_DIR /usr)
  endif()
  find_package(Python3 COMPONENTS Interpreter NumPy)
  # FindPython3 finds NumPy through its C headers; the tests only run the interpreter, so an
  # interpreter that imports numpy is enough where the headers are not installed (pip's numpy).
  if(NOT Python3_NumPy_FOUND AND Python3_Interpreter_FOUND)
    execute_process(COMMAND ${Python3_EXECUTABLE} -c "import numpy"
                    RESULT_VARIABLE _qwenvl_numpy_rc OUTPUT_QUIET ERROR_QUIET)
    if(_qwenvl_numpy_rc EQUAL 0)
      set(Python3_NumPy_FOUND TRUE)
      message(STATUS "NumPy: imported by ${Python3_EXECUTABLE} (no NumPy headers; none are needed)")
    endif()
  endif()
  if(NOT Python3_NumPy_FOUND)
    if(Python3_Interpreter_FOUND)
      set(_qwenvl_found "found ${Python3_EXECUTABLE} but not NumPy for it")
    else()
      set(_qwenvl_found "found no Python 3 interpreter")
    endif()
    message(FATAL_ERROR
      "The tests need Python 3 with NumPy (make_checkpoint.py writes their checkpoints); "
      "FindPython3 ${_qwenvl_found}. Install python3-numpy and python3-dev "
      "(scripts/install-deps.sh does), or pass "
      "-DPython3_EXECUTABLE=<a python3 that imports numpy>, or configure with "
      "-DQWENVL_BUILD_TESTS=OFF.")
  endif()
endif()

# The shared fixtures sit beside the checkout (../shared); tests read them in place.
get_filename_component(_qwenvl_default_shared "${PROJECT_SOURCE_DIR}/../shared" ABSOLUTE)
if(EXISTS "${PROJECT_SOURCE_DIR}/.shared")
  set(_qwenvl_default_shared "${PROJECT_SOURCE_DIR}/.shared")
endif()
set(QWENVL_SHARED_DIR "${_qwenvl_default_shared}" CACHE PATH "Folder holding fixtures/ and tools/")
