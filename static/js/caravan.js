/* Caravan mode (templates/classes/caravan.html): record a caravan without a network, send later.

   "Use offline" registers the service worker, stores this page and its assets in Cache Storage
   and the caravan's expected residents in IndexedDB (database "caravan"). Every action staff take
   becomes a record with an id made here (crypto.randomUUID) kept in IndexedDB until the server
   has answered it; the server keeps accepted ids, so sending a record twice saves it once.
   "Send now" first asks for a fresh CSRF token (a new login has a new one): a login that expired
   answers 403 {"login_required": true} and the records wait until the staff log in again.
   Sending is staff's choice ("Send now", when back on the network): once nothing is left to
   send, the caravan's data is removed from the device, so it is not cleared in the middle of a
   caravan because the network came back for a moment. */
(function () {
  "use strict";

  const config = JSON.parse(document.getElementById("caravan-config").textContent);
  const S = config.strings;
  const DB_NAME = "caravan";
  const DB_VERSION = 1;
  const $ = (id) => document.getElementById(id);
  let syncing = false;
  let loginNeeded = false;
  let seq = 0;
  // The answers of the last complete send, shown until the page is left (not stored).
  let lastReport = [];

  function fill(text, values) {
    return text.replace(/%\((\w+)\)s/g, (m, key) => (key in values ? String(values[key]) : m));
  }

  // ---- IndexedDB ------------------------------------------------------------------------------

  function openDb() {
    return new Promise((resolve, reject) => {
      const request = indexedDB.open(DB_NAME, DB_VERSION);
      request.onupgradeneeded = () => {
        const db = request.result;
        if (!db.objectStoreNames.contains("caravans")) {
          db.createObjectStore("caravans", { keyPath: "sessionId" });
        }
        if (!db.objectStoreNames.contains("records")) {
          db.createObjectStore("records", { keyPath: "id" }).createIndex("session", "sessionId");
        }
      };
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }

  async function withStores(names, mode, work) {
    const db = await openDb();
    return new Promise((resolve, reject) => {
      const tx = db.transaction(names, mode);
      let result;
      tx.oncomplete = () => { db.close(); resolve(result); };
      tx.onerror = () => { db.close(); reject(tx.error); };
      tx.onabort = () => { db.close(); reject(tx.error); };
      const stores = names.map((n) => tx.objectStore(n));
      Promise.resolve(work(...stores)).then((value) => { result = value; }, reject);
    });
  }

  function req(request) {
    return new Promise((resolve, reject) => {
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }

  function loadCaravan() {
    return withStores(["caravans"], "readonly", (c) => req(c.get(config.sessionId)));
  }

  function saveCaravan(caravan) {
    return withStores(["caravans"], "readwrite", (c) => req(c.put(caravan)));
  }

  async function loadRecords() {
    const all = await withStores(["records"], "readonly", (r) =>
      req(r.index("session").getAll(config.sessionId)));
    return all.sort((a, b) => a.seq - b.seq);
  }

  function putRecord(record) {
    return withStores(["records"], "readwrite", (r) => req(r.put(record)));
  }

  // ---- what the page shows ----------------------------------------------------------------------

  function setStatus(text) {
    $("caravan-status").textContent = text;
  }

  function showLogin(show) {
    loginNeeded = show;
    $("caravan-login").hidden = !show;
  }


  // A date and time as the rest of the page prints them: 12月3日(木) 04:45 / Thu 3 Dec, 04:45
  // (Asia/Tokyo).
  function dayAndTime(moment) {
    const japanese = (document.documentElement.lang || "ja").startsWith("ja");
    return new Intl.DateTimeFormat(japanese ? "ja" : "en-GB", {
      month: japanese ? "long" : "short", day: "numeric", weekday: "short",
      hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: config.timeZone,
    }).format(moment);
  }

  function describe(record) {
    const d = record.data;
    if (record.type === "presence") {
      return (d.present ? S.presence : S.absence) + ": " + d.name;
    }
    if (record.type === "walk_in") {
      return S.walkIn + ": " + d.name + " (" + d.kana + ")" + (d.birth ? " " + d.birth : "") +
        (d.district ? " · " + d.district : "");
    }
    if (record.type === "consultation") {
      return S.consultation + ": " + (config.categories[d.category] || d.category) +
        (d.note ? " — " + d.note : "");
    }
    return d.delta > 0 ? S.visitorsPlus : S.visitorsMinus;
  }

  const STATE_TEXT = { pending: "stateNew", accepted: "stateAccepted", refused: "stateRefused" };
  const STATE_BADGE = { pending: "warn", accepted: "ok", refused: "err" };

  async function render() {
    const caravan = await loadCaravan();
    const records = await loadRecords();
    const stored = Boolean(caravan);
    $("caravan-work").hidden = !stored;
    $("caravan-sync").hidden = !stored && !records.some((r) => r.state === "pending");
    $("caravan-clear").hidden = !stored && records.length === 0;
    const shown = lastReport.length ? lastReport : records;
    $("caravan-records-box").hidden = shown.length === 0;
    $("caravan-dismiss").hidden = !records.some((r) => r.state === "refused");

    const body = $("caravan-records");
    body.replaceChildren();
    const rowTemplate = $("caravan-record-row");
    for (const record of shown) {
      const row = rowTemplate.content.firstElementChild.cloneNode(true);
      row.dataset.state = record.state;
      row.querySelector(".caravan-time").textContent =
        new Date(record.recorded_at).toLocaleTimeString(document.documentElement.lang,
          { hour: "2-digit", minute: "2-digit", timeZone: config.timeZone });
      row.querySelector(".caravan-what").textContent = describe(record);
      const badge = row.querySelector(".caravan-state");
      badge.textContent = S[STATE_TEXT[record.state]];
      badge.classList.add(STATE_BADGE[record.state]);
      row.querySelector(".caravan-message").textContent = record.message || "";
      body.appendChild(row);
    }
    if (!stored) return;

    // Presence: as stored, then every record not yet answered on top (the newest wins).
    const present = {};
    for (const person of caravan.expected) present[person.registration] = person.present;
    let visitors = caravan.visitors;
    for (const record of records) {
      if (record.state !== "pending") continue;
      if (record.type === "presence") present[record.data.registration] = record.data.present;
      if (record.type === "visitors") visitors += record.data.delta;
    }
    const list = $("caravan-expected");
    list.replaceChildren();
    const itemTemplate = $("caravan-expected-row");
    for (const person of caravan.expected) {
      const item = itemTemplate.content.firstElementChild.cloneNode(true);
      const box = item.querySelector("input");
      box.checked = Boolean(present[person.registration]);
      box.dataset.registration = person.registration;
      box.addEventListener("change", () => recordPresence(person, box.checked));
      item.querySelector(".caravan-name").textContent = person.name;
      item.querySelector(".caravan-kana").textContent = person.kana;
      list.appendChild(item);
    }
    $("caravan-expected-empty").hidden = caravan.expected.length > 0;
    $("caravan-visitors").textContent = String(Math.max(visitors, 0));
  }

  async function showState() {
    const caravan = await loadCaravan();
    const records = await loadRecords();
    const pending = records.filter((r) => r.state === "pending").length;
    if (!caravan && !pending) {
      setStatus(S.notStored);
      return;
    }
    const when = caravan ? dayAndTime(new Date(caravan.storedAt)) : "";
    setStatus((caravan ? fill(S.stored, { when: when }) + " " : "") +
      (pending ? fill(S.pending, { count: pending }) : S.nothingPending));
  }

  // ---- recording ------------------------------------------------------------------------------

  async function addRecord(type, data) {
    seq += 1;
    lastReport = [];
    const record = {
      id: crypto.randomUUID(),
      sessionId: config.sessionId,
      type: type,
      recorded_at: new Date().toISOString(),
      seq: Date.now() * 1000 + (seq % 1000),
      state: "pending",
      message: "",
      data: data,
    };
    await putRecord(record);
    await render();
    await showState();
    return record;
  }

  function recordPresence(person, present) {
    return addRecord("presence", { registration: person.registration, name: person.name, present: present });
  }

  function formError(id, text) {
    const box = $(id);
    box.textContent = text;
    box.hidden = !text;
  }

  async function onWalkIn(event) {
    event.preventDefault();
    const form = event.target;
    const data = {
      name: form.elements.name.value.trim(),
      kana: form.elements.kana.value.trim(),
      birth: form.elements.birth.value.trim(),
      district: form.elements.district.value.trim(),
      consent: form.elements.consent.checked,
    };
    if (!data.name || !data.kana) {
      formError("cw-error", S.needName);
      (data.name ? form.elements.kana : form.elements.name).focus();
      return;
    }
    formError("cw-error", "");
    await addRecord("walk_in", data);
    form.reset();
    setStatus(fill(S.walkInAdded, { name: data.name }));
    form.elements.name.focus();
  }

  async function onConsult(event) {
    event.preventDefault();
    const form = event.target;
    const data = { category: form.elements.category.value, note: form.elements.note.value.trim() };
    if (!data.category) {
      formError("cc-error", S.needCategory);
      form.elements.category.focus();
      return;
    }
    formError("cc-error", "");
    await addRecord("consultation", data);
    form.reset();
    setStatus(S.consultationAdded);
  }

  // ---- talking to the server --------------------------------------------------------------------

  class LoginNeeded extends Error {}
  class Unreachable extends Error {}

  async function ask(url, options) {
    let response;
    try {
      response = await fetch(url, Object.assign(
        { credentials: "same-origin", redirect: "manual", cache: "no-store" }, options));
    } catch (error) {
      throw new Unreachable(String(error));
    }
    // A redirect (to the login page) is a login that expired, as is a 401 or a 403 saying so.
    if (response.type === "opaqueredirect" || response.status === 401) throw new LoginNeeded();
    let body = null;
    try {
      body = await response.json();
    } catch (error) {
      body = null;
    }
    if (response.status === 403 && body && body.login_required) throw new LoginNeeded();
    return { status: response.status, ok: response.ok, body: body };
  }

  async function freshToken() {
    const answer = await ask(config.tokenUrl, { headers: { Accept: "application/json" } });
    if (!answer.ok || !answer.body || !answer.body.csrf_token) {
      throw new Error(fill(S.serverError, { status: answer.status }));
    }
    return answer.body.csrf_token;
  }

  async function send(batch, token) {
    return ask(config.syncUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": token },
      body: JSON.stringify({
        records: batch.map((r) => Object.assign({ id: r.id, type: r.type, recorded_at: r.recorded_at }, r.data)),
      }),
    });
  }

  async function takeAnswer(record, result, caravan) {
    record.state = result.status === "accepted" ? "accepted" : "refused";
    record.message = result.message || "";
    await putRecord(record);
    // What the server now holds becomes the stored state, so the page shows it after the record.
    if (caravan && record.state === "accepted" && !result.resent) {
      if (record.type === "visitors") caravan.visitors += record.data.delta;
      if (record.type === "presence") {
        for (const person of caravan.expected) {
          if (person.registration === record.data.registration) person.present = record.data.present;
        }
      }
    }
  }

  async function sync() {
    if (syncing) return;
    syncing = true;
    $("caravan-sync").disabled = true;
    try {
      let pending = (await loadRecords()).filter((r) => r.state === "pending");
      if (pending.length === 0) {
        setStatus(S.nothingPending);
        return;
      }
      setStatus(S.sending);
      let token = await freshToken();
      showLogin(false);
      while (pending.length) {
        const batch = pending.slice(0, config.batchSize);
        let answer = await send(batch, token);
        if (answer.status === 403) {
          // A CSRF token that went stale (a new login): once more with a fresh one.
          token = await freshToken();
          answer = await send(batch, token);
        }
        if (!answer.ok || !answer.body || !Array.isArray(answer.body.results)) {
          setStatus((answer.body && answer.body.message) || fill(S.serverError, { status: answer.status }));
          return;
        }
        const caravan = await loadCaravan();
        const byId = {};
        for (const result of answer.body.results) byId[result.id] = result;
        for (const record of batch) {
          if (byId[record.id]) await takeAnswer(record, byId[record.id], caravan);
        }
        if (caravan) await saveCaravan(caravan);
        pending = pending.slice(batch.length);
      }
      await finishIfComplete();
    } catch (error) {
      if (error instanceof LoginNeeded) {
        showLogin(true);
        await showState();
      } else if (error instanceof Unreachable) {
        setStatus(S.unreachable);
      } else {
        setStatus(error.message || S.unreachable);
      }
    } finally {
      syncing = false;
      $("caravan-sync").disabled = false;
      await render();
    }
  }

  async function finishIfComplete() {
    const records = await loadRecords();
    if (records.some((r) => r.state === "pending")) return;
    const refused = records.filter((r) => r.state === "refused");
    lastReport = records;
    await removeFromDevice({ keepRefused: true });
    await render();
    setStatus(refused.length ? S.sentSomeRefused : S.sentAll);
  }

  // ---- storing and removing ---------------------------------------------------------------------

  function assetUrls() {
    const urls = new Set([config.pageUrl]);
    document.querySelectorAll("link[rel=stylesheet][href], script[src], img[src], link[rel=icon][href]")
      .forEach((el) => {
        const url = new URL(el.getAttribute("href") || el.getAttribute("src"), location.href);
        if (url.origin === location.origin) urls.add(url.pathname + url.search);
      });
    return [...urls];
  }

  async function storeForOffline() {
    if (!("serviceWorker" in navigator) || !window.caches || !window.indexedDB) {
      setStatus(S.noServiceWorker);
      return;
    }
    $("caravan-store").disabled = true;
    lastReport = [];
    setStatus(S.storing);
    try {
      await navigator.serviceWorker.register(config.swUrl, { scope: config.swScope });
      const answer = await ask(config.dataUrl, { headers: { Accept: "application/json" } });
      if (!answer.ok || !answer.body) {
        setStatus((answer.body && answer.body.message) || fill(S.serverError, { status: answer.status }));
        return;
      }
      const cache = await caches.open(config.cacheName);
      for (const url of assetUrls()) {
        const response = await fetch(url, { credentials: "same-origin", cache: "no-store", redirect: "manual" });
        if (!response.ok) throw new Unreachable(url);
        await cache.put(url, response);
      }
      await navigator.serviceWorker.ready;
      const data = answer.body;
      await saveCaravan({
        sessionId: config.sessionId,
        storedAt: new Date().toISOString(),
        session: data.session,
        expected: data.expected,
        visitors: data.visitors,
      });
      showLogin(false);
      await render();
      await showState();
    } catch (error) {
      if (error instanceof LoginNeeded) {
        showLogin(true);
        await showState();
      } else {
        setStatus(S.storeFailed);
      }
    } finally {
      $("caravan-store").disabled = false;
    }
  }

  async function removeFromDevice(options) {
    const keepRefused = Boolean(options && options.keepRefused);
    await withStores(["caravans", "records"], "readwrite", async (caravans, records) => {
      caravans.delete(config.sessionId);
      const mine = await req(records.index("session").getAll(config.sessionId));
      for (const record of mine) {
        if (!(keepRefused && record.state === "refused")) records.delete(record.id);
      }
    });
    if (window.caches) {
      const cache = await caches.open(config.cacheName);
      await cache.delete(config.pageUrl);
    }
  }

  async function onClear() {
    const pending = (await loadRecords()).filter((r) => r.state === "pending").length;
    if (pending && !window.confirm(S.clearConfirm)) return;
    await removeFromDevice({ keepRefused: false });
    lastReport = [];
    await render();
    setStatus(S.cleared);
  }

  async function onDismiss() {
    await withStores(["records"], "readwrite", async (records) => {
      const mine = await req(records.index("session").getAll(config.sessionId));
      for (const record of mine) if (record.state === "refused") records.delete(record.id);
    });
    lastReport = [];
    await render();
    setStatus(S.dismissed);
  }

  // ---- start ----------------------------------------------------------------------------------

  document.addEventListener("DOMContentLoaded", async () => {
    $("caravan-store").addEventListener("click", storeForOffline);
    $("caravan-sync").addEventListener("click", sync);
    $("caravan-clear").addEventListener("click", onClear);
    $("caravan-dismiss").addEventListener("click", onDismiss);
    $("caravan-walk-in").addEventListener("submit", onWalkIn);
    $("caravan-consult").addEventListener("submit", onConsult);
    $("caravan-visitor-plus").addEventListener("click", () => addRecord("visitors", { delta: 1 }));
    $("caravan-visitor-minus").addEventListener("click", () => addRecord("visitors", { delta: -1 }));
    // Back from logging in (another tab): send what waits.
    window.addEventListener("focus", () => { if (loginNeeded) sync(); });
    await render();
    await showState();
    document.body.dataset.caravanReady = "true";
  });
})();
