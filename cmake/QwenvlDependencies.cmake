# Third-party libraries. All come from the distribution (Debian 12 / Ubuntu 24.04 packages);
# nothing is downloaded at configure time.
find_package(Threads REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(JPEG REQUIRED)
find_package(PNG REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(SENTENCEPIECE REQUIRED IMPORTED_TARGET sentencepiece)

if(QWENVL_BUILD_GUI)
  find_package(Qt6 6.4 REQUIRED COMPONENTS Core Gui Widgets Concurrent Svg Test LinguistTools)
  set(CMAKE_AUTOMOC ON)
endif()

# make_checkpoint.py needs numpy; Debian's python3-numpy lives under /usr/bin/python3, which a
# pyenv shim earlier on PATH would hide, so prefer the interpreter that can import numpy.
set(QWENVL_PYTHON "" CACHE FILEPATH "Python 3 with numpy, used by tests to write checkpoints")
if(NOT QWENVL_PYTHON)
  foreach(candidate /usr/bin/python3 python3)
    find_program(_qwenvl_py NAMES ${candidate} NO_CACHE)
    if(_qwenvl_py)
      execute_process(COMMAND ${_qwenvl_py} -c "import numpy" RESULT_VARIABLE _np OUTPUT_QUIET ERROR_QUIET)
      if(_np EQUAL 0)
        set(QWENVL_PYTHON ${_qwenvl_py} CACHE FILEPATH "" FORCE)
        break()
      endif()
    endif()
    unset(_qwenvl_py)
  endforeach()
endif()

# The shared fixtures sit beside the checkout (../shared); tests read them in place.
get_filename_component(_qwenvl_default_shared "${PROJECT_SOURCE_DIR}/../shared" ABSOLUTE)
if(EXISTS "${PROJECT_SOURCE_DIR}/.shared")
  set(_qwenvl_default_shared "${PROJECT_SOURCE_DIR}/.shared")
endif()
set(QWENVL_SHARED_DIR "${_qwenvl_default_shared}" CACHE PATH "Folder holding fixtures/ and tools/")
