# CMake glue around Debian packages that ship no CMake config of their own.
# No sources are copied here: everything comes from /usr/include and /usr/lib.
find_package(PkgConfig REQUIRED)

# RE2 for the cell finder's user-typed pattern (linear time, unlike std::regex). Debian's
# libre2-dev ships a .pc file but no CMake config.
pkg_check_modules(RE2 REQUIRED IMPORTED_TARGET re2)

if(RNNSCOPE_BUILD_APP)
  find_package(OpenGL REQUIRED)
  find_package(glfw3 3.3 REQUIRED CONFIG)
  # libimgui-dev 1.86: libimgui.a already contains the GLFW and OpenGL3 backends; its .pc
  # requires stb, whose libstb.so exports stbi_write_png (DESIGN.md §6).
  pkg_check_modules(IMGUI REQUIRED IMPORTED_TARGET imgui)
  pkg_check_modules(EPOXY REQUIRED IMPORTED_TARGET epoxy)
  add_library(rnnscope_imgui INTERFACE)
  target_include_directories(rnnscope_imgui INTERFACE /usr/include/imgui/backends)
  target_link_libraries(rnnscope_imgui INTERFACE PkgConfig::IMGUI PkgConfig::EPOXY glfw OpenGL::GL
    ${CMAKE_DL_LIBS})
  target_compile_definitions(rnnscope_imgui INTERFACE GLFW_INCLUDE_NONE)
  add_library(rnnscope::imgui ALIAS rnnscope_imgui)
endif()
