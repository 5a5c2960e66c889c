#version 330 core
// Maps a float matrix to colours. u_data is (rows = units) wide and (cols = timesteps) high, so
// texel (unit, t) is one value; cells stay crisp because we fetch texels, never filter them.
uniform sampler2D u_data;      // R32F
uniform sampler2D u_lut;       // 256 x 1 RGB colour table, shared with the CPU colour bars
uniform float u_lo;
uniform float u_hi;
uniform ivec2 u_shape;         // (rows, cols)
in vec2 v_uv;
out vec4 frag_color;
void main() {
  // Unit 0 at the top of the image, timestep 0 at the left.
  int col = clamp(int(v_uv.x * float(u_shape.y)), 0, u_shape.y - 1);
  int row = clamp(int((1.0 - v_uv.y) * float(u_shape.x)), 0, u_shape.x - 1);
  float v = texelFetch(u_data, ivec2(row, col), 0).r;
  if (isnan(v) || isinf(v)) {
    frag_color = vec4(0.35, 0.35, 0.35, 1.0);  // missing values read as neutral grey
    return;
  }
  float t = clamp((v - u_lo) / max(u_hi - u_lo, 1e-20), 0.0, 1.0);
  // Sample texel centres so t = 0 and t = 1 hit the first and last table entries exactly.
  frag_color = vec4(texture(u_lut, vec2((t * 255.0 + 0.5) / 256.0, 0.5)).rgb, 1.0);
}
