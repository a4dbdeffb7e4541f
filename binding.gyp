{
  "targets": [
    {
      "target_name": "airy",
      "sources": [
        "native/absent_drivers.cc",
        "native/addon.cc",
        "native/args.cc",
        "native/bandlimit.cc",
        "native/batch.cc",
        "native/bind_fits.cc",
        "native/bind_fresnel.cc",
        "native/bind_info.cc",
        "native/bind_kernels.cc",
        "native/bind_system.cc",
        "native/blas.cc",
        "native/cpu.cc",
        "native/fft.cc",
        "native/fits.cc",
        "native/forkrun.cc",
        "native/fresnel.cc",
        "native/mft.cc",
        "native/path_util.cc",
        "native/promise_worker.cc",
        "native/propagate.cc",
        "native/pupil_grid.cc",
        "native/raster.cc",
        "native/pixel_area.cc",
        "native/bind_analysis.cc",
        "native/shm.cc",
        "native/special.cc",
        "native/vortex.cc",
        "native/vec.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_CPP_EXCEPTIONS_ALL", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc": ["-std=c++17", "-O3", "-fexceptions", "-Wall", "-Wextra", "-Wno-unused-parameter", "<!@(node scripts/probe.js cflags)"],
      "libraries": ["<!@(node scripts/probe.js libs)"],
      "xcode_settings": {
        "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
        "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
        "MACOSX_DEPLOYMENT_TARGET": "11.0",
        "OTHER_CPLUSPLUSFLAGS": ["-O3", "<!@(node scripts/probe.js cflags)"]
      }
    }
  ]
}
