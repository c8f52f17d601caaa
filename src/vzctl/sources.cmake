# vzctl's command-line code without main.cpp: the tool (CMakeLists.txt here) and the argv fuzz target
# (fuzz/CMakeLists.txt) both compile this one list, so a new command file can't be missing from either.
set(VZCTL_COMMAND_SOURCES commands.cpp cmd_lifecycle.cpp cmd_exec.cpp cmd_config.cpp cmd_disk.cpp cmd_snapshot.cpp
    cmd_migrate.cpp options.cpp completion.cpp)
list(TRANSFORM VZCTL_COMMAND_SOURCES PREPEND ${CMAKE_SOURCE_DIR}/src/vzctl/)
