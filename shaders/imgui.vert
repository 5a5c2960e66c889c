#version 330 core
// Dear ImGui's vertices (ImDrawVert: position, uv, colour), as its own OpenGL 3 backend draws
// them; viz/imgui_renderer.cpp uses this to redraw only the damaged parts of a frame.
layout (location = 0) in vec2 a_position;
layout (location = 1) in vec2 a_uv;
layout (location = 2) in vec4 a_color;
uniform mat4 u_projection;
out vec2 v_uv;
out vec4 v_color;
void main() {
  v_uv = a_uv;
  v_color = a_color;
  gl_Position = u_projection * vec4(a_position, 0.0, 1.0);
}
