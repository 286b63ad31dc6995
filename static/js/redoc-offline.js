// The Redoc page makes no request outside the site: Redoc's sidebar footer loads the Redocly logo
// from a CDN (which the Content-Security-Policy would block anyway), so that one image is left out,
// whether its address is set as an attribute or as the `src` property.
// Loaded before Redoc itself (templates/drf_spectacular/redoc.html).
(function () {
  "use strict";
  const outside = function (value) { return String(value).startsWith("https://cdn.redoc.ly/"); };
  const setAttribute = Element.prototype.setAttribute;
  Element.prototype.setAttribute = function (name, value) {
    if (this instanceof HTMLImageElement && name.toLowerCase() === "src" && outside(value)) return;
    return setAttribute.call(this, name, value);
  };
  const src = Object.getOwnPropertyDescriptor(HTMLImageElement.prototype, "src");
  Object.defineProperty(HTMLImageElement.prototype, "src", {
    configurable: true,
    enumerable: src.enumerable,
    get: src.get,
    set: function (value) { if (!outside(value)) src.set.call(this, value); },
  });
})();
