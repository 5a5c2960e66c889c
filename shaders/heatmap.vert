#version 330 core
// A full-target triangle from gl_VertexID alone (no vertex buffer): covers [-1,1]^2 and hands
// the fragment shader uv in [0,1]^2, with uv.y = 0 at the bottom of the target.
out vec2 v_uv;
void main() {
  vec2 p = vec2(float((gl_VertexID << 1) & 2), float(gl_VertexID & 2));
  v_uv = p;
  gl_Position = vec4(p * 2.0 - 1.0, 0.0, 1.0);
}
