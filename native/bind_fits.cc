// Bindings of FITS I/O on CFITSIO: read one image HDU, write HDUs (async
// through the Promise worker, or sync), verify checksums.
#include <algorithm>
#include <cmath>
#include <memory>

#include "args.h"
#include "bind.h"
#include "fits.h"
#include "promise_worker.h"

namespace airy {
namespace {

std::string pathArg(const Napi::CallbackInfo& info) {
  if (!info[0].IsString()) args::typeError(info.Env(), "`path` must be a string");
  return info[0].As<Napi::String>().Utf8Value();
}

// fitsRead(path, hdu) -> { data, ny, nx, nz, extname, cards: [{ key, value, comment }] }
Napi::Value FitsRead(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string path = pathArg(info);
  if (!info[1].IsNumber() || info[1].As<Napi::Number>().Int32Value() < 0)
    args::rangeError(env, "`hdu` must be an integer >= 0");
  const int hdu = info[1].As<Napi::Number>().Int32Value();
  fits::Image img;
  args::runSync(env, [&] { img = fits::read(path, hdu); });
  auto o = Napi::Object::New(env);
  auto data = args::newArray<double>(env, img.data.size());
  std::copy(img.data.begin(), img.data.end(), data.Data());
  o.Set("data", data);
  o.Set("ny", img.ny);
  o.Set("nx", img.nx);
  o.Set("nz", img.nz);
  o.Set("extname", img.extname);
  auto cards = Napi::Array::New(env, img.cards.size());
  for (size_t i = 0; i < img.cards.size(); ++i) {
    const auto& c = img.cards[i];
    auto co = Napi::Object::New(env);
    co.Set("key", c.key);
    if (c.kind == fits::Card::Kind::Number)
      co.Set("value", c.number);
    else if (c.kind == fits::Card::Kind::String)
      co.Set("value", c.text);
    else
      co.Set("value", c.logical);
    co.Set("comment", c.comment);
    cards.Set(static_cast<uint32_t>(i), co);
  }
  o.Set("cards", cards);
  return o;
}

// fitsVerify(path) -> [{ dataOk, hduOk }] per HDU (1 ok, 0 absent, -1 wrong)
Napi::Value FitsVerify(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string path = pathArg(info);
  std::vector<fits::Check> checks;
  args::runSync(env, [&] { checks = fits::verify(path); });
  auto arr = Napi::Array::New(env, checks.size());
  for (size_t i = 0; i < checks.size(); ++i) {
    auto o = Napi::Object::New(env);
    o.Set("dataOk", checks[i].dataOk);
    o.Set("hduOk", checks[i].hduOk);
    arr.Set(static_cast<uint32_t>(i), o);
  }
  return arr;
}

fits::Card cardOf(Napi::Env env, Napi::Value v, const std::string& ctx) {
  auto co = args::object(env, v, ctx);
  fits::Card c;
  if (!co.Get("key").IsString()) args::typeError(env, ctx + ".key must be a string");
  c.key = co.Get("key").As<Napi::String>().Utf8Value();
  if (c.key.empty() || c.key.size() > 60)
    args::rangeError(env, ctx + ": FITS keyword '" + c.key + "' must be 1-60 characters (over 8: HIERARCH)");
  auto value = co.Get("value");
  if (value.IsNumber()) {
    c.kind = fits::Card::Kind::Number;
    c.number = value.As<Napi::Number>().DoubleValue();
    if (!std::isfinite(c.number)) args::rangeError(env, ctx + ": keyword " + c.key + " is not finite");
  } else if (value.IsBoolean()) {
    c.kind = fits::Card::Kind::Logical;
    c.logical = value.As<Napi::Boolean>().Value();
  } else {
    c.kind = fits::Card::Kind::String;
    c.text = value.ToString().Utf8Value();
  }
  if (co.Get("comment").IsString()) c.comment = co.Get("comment").As<Napi::String>().Utf8Value();
  return c;
}

// The HDUs of fitsWrite(path, [{ data, ny, nx, nz?, extname, cards }]), copied.
std::vector<fits::Image> hdusOf(Napi::Env env, Napi::Value v) {
  if (!v.IsArray()) args::typeError(env, "`hdus` must be an array");
  auto arr = v.As<Napi::Array>();
  std::vector<fits::Image> hdus(arr.Length());
  for (uint32_t i = 0; i < arr.Length(); ++i) {
    const std::string ctx = "hdus[" + std::to_string(i) + "]";
    auto h = args::object(env, arr.Get(i), ctx);
    fits::Image& img = hdus[i];
    img.ny = args::integer(h, "ny", ctx, 1);
    img.nx = args::integer(h, "nx", ctx, 1);
    img.nz = args::integerOr(h, "nz", ctx, 1, 1);
    bool has = false;
    auto data = args::f64(h, "data", ctx, static_cast<size_t>(img.ny) * img.nx * img.nz, &has);
    if (!has) args::typeError(env, ctx + ".data is required");
    img.data.assign(data.Data(), data.Data() + data.ElementLength());
    if (h.Get("extname").IsString()) img.extname = h.Get("extname").As<Napi::String>().Utf8Value();
    if (h.Get("cards").IsArray()) {
      auto cards = h.Get("cards").As<Napi::Array>();
      for (uint32_t k = 0; k < cards.Length(); ++k)
        img.cards.push_back(cardOf(env, cards.Get(k), ctx + ".cards[" + std::to_string(k) + "]"));
    }
  }
  return hdus;
}

// fitsWrite(path, hdus) -> Promise<undefined>; fitsWriteSync(path, hdus).
Napi::Value FitsWrite(const Napi::CallbackInfo& info, bool async) {
  Napi::Env env = info.Env();
  const std::string path = pathArg(info);
  auto hdus = std::make_shared<std::vector<fits::Image>>(hdusOf(env, info[1]));
  if (!async) {
    args::runSync(env, [&] { fits::write(path, *hdus); });
    return env.Undefined();
  }
  return PromiseWorker::start(
      env, "airy.fitsWrite", [path, hdus](const PromiseWorker::Report&) { fits::write(path, *hdus); },
      [](Napi::Env e) { return e.Undefined(); }, {});
}

}  // namespace

void bindFits(Napi::Env env, Napi::Object exports) {
  exportFn(env, exports, "fitsRead", FitsRead);
  exportFn(env, exports, "fitsVerify", FitsVerify);
  exportFn(env, exports, "fitsWrite", [](const Napi::CallbackInfo& i) { return FitsWrite(i, true); });
  exportFn(env, exports, "fitsWriteSync", [](const Napi::CallbackInfo& i) { return FitsWrite(i, false); });
}

}  // namespace airy
