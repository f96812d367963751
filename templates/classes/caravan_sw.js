/* Caravan mode's service worker (served by classes.views_caravan at the top of the caravan
   pages, so its scope covers them). It stores nothing by itself: the page puts its own copy and
   its assets into Cache Storage ("{{ cache_name }}") when staff press "Use offline". Every GET
   of a caravan page goes to the network first; when the network fails (or a page answers with a
   redirect to the login or an error) the stored copy answers instead. POSTs are left alone. */
"use strict";

const CACHE_NAME = "{{ cache_name }}";
const PAGE_TIMEOUT_MS = 6000;
const ASSET_TIMEOUT_MS = 10000;

self.addEventListener("install", () => {
  self.skipWaiting();
});

self.addEventListener("activate", (event) => {
  event.waitUntil(self.clients.claim());
});

function withTimeout(promise, ms) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("timeout")), ms);
    promise.then(
      (value) => { clearTimeout(timer); resolve(value); },
      (error) => { clearTimeout(timer); reject(error); },
    );
  });
}

async function storedCopy(request) {
  const cache = await caches.open(CACHE_NAME);
  return cache.match(request, { ignoreSearch: request.mode === "navigate", ignoreVary: true });
}

async function networkElseCopy(request) {
  const isPage = request.mode === "navigate";
  try {
    const response = await withTimeout(fetch(request), isPage ? PAGE_TIMEOUT_MS : ASSET_TIMEOUT_MS);
    if (isPage && (response.type === "opaqueredirect" || !response.ok)) {
      const copy = await storedCopy(request);
      if (copy) return copy;
    }
    return response;
  } catch (error) {
    const copy = await storedCopy(request);
    if (copy) return copy;
    throw error;
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET" || new URL(request.url).origin !== self.location.origin) return;
  event.respondWith(networkElseCopy(request));
});
