#!/usr/bin/env bash
# Installs every Debian package rnnscope needs to build, test and run.
# Idempotent: when all packages are present it does nothing and touches no network.
# Works as root, or through sudo otherwise.
#   scripts/install_deps.sh            build + test + run dependencies
#   scripts/install_deps.sh --with-torch  also the PyTorch oracle (python3-torch + OpenBLAS)
#   scripts/install_deps.sh --with-clang  also clang, its sanitizer runtimes and libomp (the
#                                         sanitizer and fuzz builds of .ci/)
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  libeigen3-dev libimgui-dev libglfw3-dev libepoxy-dev libstb-dev
  nlohmann-json3-dev libcli11-dev libre2-dev libgtest-dev googletest libbenchmark-dev
  xvfb xauth libgl1-mesa-dri fonts-dejavu-core
  # A CJK font (5 MB): src/app/fonts.cpp loads /usr/share/fonts/truetype/wqy/wqy-microhei.ttc so
  # the window can draw Chinese (the zh_en task's source, a Chinese --text); without it the
  # characters show as boxes.
  fonts-wqy-microhei
  # Chinese text to train on: the Tang and Song poems at /usr/share/games/fortunes/tang300 and
  # song100 (UTF-8; the poems are centuries old, the Debian packaging is GPL-3+; read at run
  # time, never copied into the repository). Pulls in fortune-mod.
  fortunes-zh
)
for option in "$@"; do
  case "$option" in
    --with-torch) packages+=(python3-torch libopenblas0-openmp python3-numpy) ;;
    --with-clang) packages+=(clang-14 libclang-rt-14-dev libomp-14-dev) ;;
    *) echo "install_deps: unknown option '$option' (known: --with-torch, --with-clang)" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install_deps: all ${#packages[@]} packages present"
  exit 0
fi

sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null; then sudo_cmd=(sudo); else
    echo "install_deps: need root or sudo to install: ${missing[*]}" >&2; exit 1
  fi
fi

echo "install_deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
