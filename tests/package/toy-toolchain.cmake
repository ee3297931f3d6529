# SPDX-License-Identifier: MIT
#
# toy-toolchain.cmake — a "cross" toolchain for tests/package/scenarios/cross.cmake:
# it names another system (so CMake sets CMAKE_CROSSCOMPILING) but compiles
# with the host's C compiler, taken from the environment variable
# SHMGEN_TOY_CC, so that the result still runs here and can be tested.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR toy)
set(CMAKE_C_COMPILER $ENV{SHMGEN_TOY_CC})
