// The kitchen display (issue 10): sign in, choose a location and a station (or expo), work the tickets.
//
// Live state comes from the kitchen stream alone: opened without Last-Event-ID it starts with `reset`
// and a snapshot of the screen's open tickets, then sends every change (`id` = the location's change
// sequence). Every event carries a ticket's full state, so the screen keeps a Map by ticket_id (an
// event seen twice changes nothing, a done ticket is dropped). After a dropped stream it reconnects
// with backoff and resumes from the last id it applied (Last-Event-ID): the server sends exactly the
// changes after it, or `reset` and the snapshot again when it no longer has that far back. Tokens stay
// in this tab's sessionStorage and travel only in Authorization headers, never in a URL.
"use strict";

const AUTH = "/api/auth/v1";
const KITCHEN = "/api/orders/v1/kitchen";
const EXPO = "expo";
const STALE_STREAM_MS = 40000;   // no byte (not even a heartbeat) for this long: reconnect
const BACKOFF_MS = [500, 1000, 2000, 4000, 8000, 15000];

const $ = (selector) => document.querySelector(selector);
const state = {
  tickets: new Map(),   // ticket_id -> {ticket, receivedAt (ms, local clock)}
  stations: [],         // of the chosen location
  lastEventId: null,    // the stream's sequence: what we have applied up to
  selected: null,       // ticket_id
  bumped: [],           // ticket_ids bumped here, newest last (R recalls)
  stream: null,         // AbortController of the open stream
  streamRun: 0,         // bumped on each (re)open: an old loop sees it and stops
  online: false,
  clockOffset: -Infinity, // server clock - local clock (ms), as far as the tickets tell
};

// ---------------------------------------------------------------- tokens and API calls
const session = {
  get access() { return sessionStorage.getItem("kds.access"); },
  get refresh() { return sessionStorage.getItem("kds.refresh"); },
  save(body) {
    sessionStorage.setItem("kds.access", body.access_token);
    sessionStorage.setItem("kds.refresh", body.refresh_token);
    scheduleRefresh(body.expires_in);
  },
  clear() { ["kds.access", "kds.refresh"].forEach((k) => sessionStorage.removeItem(k)); },
};

let refreshTimer = null, refreshing = null;
function scheduleRefresh(expiresIn) {
  clearTimeout(refreshTimer);
  // Refresh a minute early (or half-way for short tokens) so the stream never reconnects on a 401.
  const lead = Math.min(60, expiresIn / 2);
  refreshTimer = setTimeout(() => refreshTokens().catch(() => {}), Math.max(5, expiresIn - lead) * 1000);
}

function refreshTokens() {
  if (!refreshing) {
    refreshing = (async () => {
      const token = session.refresh;
      if (!token) throw new Error("signed out");
      const response = await fetch(`${AUTH}/refresh`, {
        method: "POST", headers: { "content-type": "application/json" },
        body: JSON.stringify({ refresh_token: token }),
      });
      if (!response.ok) { signOut("Your session ended: please sign in again."); throw new Error("refresh refused"); }
      session.save(await response.json());
    })().finally(() => { refreshing = null; });
  }
  return refreshing;
}

async function api(path, options = {}, retried = false) {
  const headers = { ...(options.headers || {}), Authorization: `Bearer ${session.access}` };
  if (options.body) headers["content-type"] = "application/json";
  const response = await fetch(path, { ...options, headers });
  if (response.status === 401 && !retried && session.refresh) {
    await refreshTokens();
    return api(path, options, true);
  }
  if (!response.ok) {
    let message = `${response.status}`;
    try { message = (await response.json()).message || message; } catch (_) { /* not JSON */ }
    throw new Error(message);
  }
  return response.status === 204 ? null : response.json();
}

// ---------------------------------------------------------------- screens
function show(which) {
  for (const id of ["login", "setup", "board"]) $(`#${id}`).hidden = id !== which;
  const signedIn = which !== "login";
  $("#logout").hidden = !signedIn;
  $("#change").hidden = which !== "board";
  $("#recall").hidden = which !== "board";
}

function toast(message) {
  const box = $("#toast");
  box.textContent = message;
  box.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { box.hidden = true; }, 4000);
}

function signOut(message) {
  closeStream();
  session.clear();
  clearTimeout(refreshTimer);
  sessionStorage.removeItem("kds.screen");
  show("login");
  setConn("idle");
  $("#where").textContent = "";
  if (message) $("#login-error").textContent = message;
}

$("#login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  $("#login-error").textContent = "";
  try {
    const response = await fetch(`${AUTH}/login`, {
      method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ tenant: form.get("tenant"), email: form.get("email"), password: form.get("password") }),
    });
    if (!response.ok) {
      $("#login-error").textContent = response.status === 429 ? "Too many attempts: wait a moment." : "Wrong e-mail or password.";
      return;
    }
    session.save(await response.json());
    event.target.reset();
    await openSetup();
  } catch (error) {
    $("#login-error").textContent = `Cannot reach the server (${error.message}).`;
  }
});

$("#logout").addEventListener("click", async () => {
  const token = session.refresh;
  try { await api(`${AUTH}/logout`, { method: "POST", body: JSON.stringify({ refresh_token: token }) }); } catch (_) { /* gone anyway */ }
  signOut();
});

$("#change").addEventListener("click", () => { closeStream(); sessionStorage.removeItem("kds.screen"); openSetup(); });

async function openSetup() {
  show("setup");
  const form = $("#setup-form");
  form.dataset.ready = "false";   // true once the lists are this session's (tests and automation wait on it)
  const { locations } = await api(`${AUTH}/locations`);
  form.location.replaceChildren(...locations.map((l) => new Option(l.name, l.location_id)));
  // Changing screens keeps the location (and offers the station) this tablet was showing.
  const current = state.screen;
  if (current && locations.some((l) => l.location_id === current.location)) form.location.value = current.location;
  await loadStations(form);
  if (current && [...form.station.options].some((o) => o.value === current.station)) form.station.value = current.station;
  form.dataset.ready = "true";
}

async function loadStations(form) {
  $("#setup-error").textContent = "";
  const location = form.location.value;
  try {
    const { stations } = await api(`${KITCHEN}/stations?location_id=${encodeURIComponent(location)}`);
    if (form.location.value !== location) return;   // another location was chosen meanwhile
    state.stations = stations;
    const prep = stations.filter((s) => s.kind !== "expo");
    form.station.replaceChildren(...prep.map((s) => new Option(s.name, s.station_id)), new Option("Expo (every station)", EXPO));
  } catch (error) {
    $("#setup-error").textContent = `Stations: ${error.message}`;
  }
}

$("#setup-form").location.addEventListener("change", (event) => loadStations(event.target.form));
$("#setup-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const screen = { location: event.target.location.value, station: event.target.station.value,
                   label: `${event.target.location.selectedOptions[0].text} · ${event.target.station.selectedOptions[0].text}` };
  sessionStorage.setItem("kds.screen", JSON.stringify(screen));
  openBoard(screen);
});

// ---------------------------------------------------------------- the board: snapshot + stream
function screenQuery(screen) {
  const where = `location_id=${encodeURIComponent(screen.location)}`;
  return screen.station === EXPO ? `${where}&expo=true` : `${where}&station_id=${encodeURIComponent(screen.station)}`;
}

async function openBoard(screen) {
  state.screen = screen;
  show("board");
  $("#where").textContent = screen.label;
  document.body.classList.toggle("expo", screen.station === EXPO);
  if (!state.stations.length) {
    try { state.stations = (await api(`${KITCHEN}/stations?location_id=${encodeURIComponent(screen.location)}`)).stations; } catch (_) { /* colours fall back to the server's age_level */ }
  }
  state.tickets.clear();
  state.lastEventId = null;
  render();
  openStream();
}

function upsert(ticket) {
  // fired_at + elapsed_seconds is the server's clock when it wrote the ticket (no later than now): the
  // largest such reading gives the offset the timers tick with, whatever this tablet's clock says.
  const fired = Date.parse(ticket.fired_at || ticket.created_at);
  if (!Number.isNaN(fired)) state.clockOffset = Math.max(state.clockOffset, fired + ticket.elapsed_seconds * 1000 - Date.now());
  const known = state.tickets.get(ticket.ticket_id);
  if (known && known.ticket.version > ticket.version) return;   // an older state than the one shown
  if (ticket.state === "done") {
    state.tickets.delete(ticket.ticket_id);
    if (state.selected === ticket.ticket_id) state.selected = null;
  } else {
    state.tickets.set(ticket.ticket_id, { ticket, receivedAt: Date.now() });
  }
}

function closeStream() {
  state.streamRun += 1;
  if (state.stream) state.stream.abort();
  state.stream = null;
}

function openStream() {
  closeStream();
  streamLoop(state.streamRun);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function streamLoop(run) {
  let failures = 0;
  while (run === state.streamRun) {
    const controller = new AbortController();
    state.stream = controller;
    let watchdog = null;
    const alive = () => {
      clearTimeout(watchdog);
      watchdog = setTimeout(() => controller.abort(), STALE_STREAM_MS);
    };
    try {
      const headers = { Authorization: `Bearer ${session.access}`, Accept: "text/event-stream" };
      if (state.lastEventId !== null) headers["Last-Event-ID"] = state.lastEventId;
      const response = await fetch(`${KITCHEN}/stream?${screenQuery(state.screen)}`,
                                   { headers, cache: "no-store", signal: controller.signal });
      if (response.status === 401) { await refreshTokens(); throw new Error("token refreshed"); }
      if ([403, 404, 422].includes(response.status)) {
        // Not a network problem: this screen cannot be shown (no permission, no such station).
        let message = `${response.status}`;
        try { message = (await response.json()).message || message; } catch (_) { /* not JSON */ }
        closeStream();
        setConn("idle");
        await openSetup();
        $("#setup-error").textContent = `This screen cannot be opened: ${message}`;
        return;
      }
      if (!response.ok) throw new Error(`stream answered ${response.status}`);
      setConn("online");
      failures = 0;
      alive();
      await readEventStream(response.body, (event) => { if (run === state.streamRun) onEvent(event); }, alive);
    } catch (error) {
      if (run !== state.streamRun) return;
      if (error.message === "signed out" || error.message === "refresh refused") return;
    } finally {
      clearTimeout(watchdog);
    }
    if (run !== state.streamRun) return;
    setConn("offline");
    const wait = BACKOFF_MS[Math.min(failures, BACKOFF_MS.length - 1)];
    failures += 1;
    await Promise.race([sleep(wait * (0.75 + Math.random() / 2)), reconnectNow()]);
  }
}

// The browser says the network is back: retry at once instead of waiting out the backoff.
let wake = null;
const reconnectNow = () => new Promise((resolve) => { wake = resolve; });
window.addEventListener("online", () => { if (wake) wake(); });
// ... and gone: the open stream will not say so by itself; drop it and show OFFLINE now.
window.addEventListener("offline", () => { if (state.stream) state.stream.abort(); setConn("offline"); });

function onEvent(event) {
  if (event.type === "reset") {
    // The server no longer has our position: what follows is the whole current state.
    state.tickets.clear();
    let body = null;
    try { body = JSON.parse(event.data); } catch (_) { /* a bare reset */ }
    if (body && Array.isArray(body.tickets)) body.tickets.forEach(upsert);
  } else if (event.type === "ticket") {
    upsert(JSON.parse(event.data));
  }
  if (event.id !== null && event.id !== "") state.lastEventId = event.id;
  scheduleRender();
}

function setConn(mode) {
  state.online = mode === "online";
  const conn = $("#conn");
  conn.dataset.state = mode;
  conn.textContent = mode === "online" ? "LIVE" : mode === "offline" ? "OFFLINE: reconnecting…" : "";
  document.body.classList.toggle("offline", mode === "offline");
}

// ---------------------------------------------------------------- rendering
let renderQueued = false;
function scheduleRender() {
  if (renderQueued) return;
  renderQueued = true;
  requestAnimationFrame(() => { renderQueued = false; render(); });
}

function elapsedOf(entry) {
  const fired = Date.parse(entry.ticket.fired_at || entry.ticket.created_at);
  if (Number.isNaN(fired) || !Number.isFinite(state.clockOffset)) {
    return entry.ticket.elapsed_seconds + (Date.now() - entry.receivedAt) / 1000;
  }
  return (Date.now() + state.clockOffset - fired) / 1000;
}

function ageLevel(entry) {
  const station = state.stations.find((s) => s.station_id === entry.ticket.station_id);
  if (!station) return entry.ticket.age_level;
  const elapsed = elapsedOf(entry);
  const local = elapsed >= station.late_after_seconds ? "late" : elapsed >= station.warn_after_seconds ? "warn" : "ok";
  const rank = { ok: 0, warn: 1, late: 2 };
  return rank[local] >= rank[entry.ticket.age_level] ? local : entry.ticket.age_level;
}

// Rush first, then oldest first (the server's order too).
function ordered() {
  return [...state.tickets.values()].sort((a, b) =>
    (b.ticket.rush - a.ticket.rush) || Date.parse(a.ticket.created_at) - Date.parse(b.ticket.created_at)
    || a.ticket.ticket_id.localeCompare(b.ticket.ticket_id));
}

const clock = (seconds) => {
  const s = Math.max(0, Math.floor(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
};

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key.startsWith("data")) node.setAttribute(key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`), value);
    else node.setAttribute(key, value);
  }
  node.append(...children.filter((c) => c !== null && c !== undefined && c !== false));
  return node;
}

function orderLine(order) {
  const type = (order.order_type || "").replace(/_/g, " ");
  return [type && type[0].toUpperCase() + type.slice(1), order.table && `Table ${order.table}`,
          order.guest_count ? `${order.guest_count} guest${order.guest_count === 1 ? "" : "s"}` : ""]
    .filter(Boolean).join(" · ");
}

function stationName(id) {
  const station = state.stations.find((s) => s.station_id === id);
  return station ? station.name : "";
}

function itemNode(ticket, item) {
  const classes = ["item", `item-${item.state}`, item.held && "held", item.addition && "addition"].filter(Boolean).join(" ");
  const clickable = item.state !== "voided" && item.state !== "done" && !item.held;
  return el("li", { class: classes, dataLineId: item.line_id, dataAction: clickable ? "bump-item" : null,
                    title: clickable ? "Tap to bump this item" : null },
    el("span", { class: "qty" }, `${item.quantity}×`), " ",
    el("span", { class: "name" }, item.name),
    item.addition ? el("span", { class: "tag tag-add" }, "ADD") : null,
    item.held ? el("span", { class: "tag tag-held" }, item.fire_at ? `FIRE ${new Date(item.fire_at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })}` : "HOLD") : null,
    item.state === "voided" ? el("span", { class: "tag tag-void" }, "VOID") : null,
    item.course || item.seat ? el("span", { class: "course" }, [item.seat && `seat ${item.seat}`, item.course].filter(Boolean).join(" · ")) : null,
    (item.modifiers || []).length ? el("ul", { class: "mods" }, ...item.modifiers.map((m) => el("li", {}, m.name))) : null,
    (item.allergens || []).length ? el("div", { class: "allergens" }, "⚠ ", item.allergens.join(", ")) : null,
    item.notes ? el("div", { class: "notes" }, item.notes) : null);
}

function ticketNode(entry, index) {
  const t = entry.ticket;
  const level = ageLevel(entry);
  const order = t.order || {};
  const expo = state.screen && state.screen.station === EXPO;
  const node = el("article", {
      class: `ticket age-${level} state-${t.state}${t.rush ? " rush" : ""}${state.selected === t.ticket_id ? " selected" : ""}`,
      dataTicketId: t.ticket_id, dataOrderId: t.order_id, dataState: t.state, dataAge: level, tabindex: "0" },
    el("header", {},
      el("span", { class: "key" }, index < 9 ? String(index + 1) : ""),
      el("span", { class: "order-no" }, order.order_number ? `#${order.order_number}` : `#${t.order_id.slice(0, 6)}`),
      el("span", { class: "timer", dataRole: "timer" }, `${clock(elapsedOf(entry))} / ${clock(t.target_seconds)}`),
      t.rush ? el("span", { class: "rush-flag" }, "RUSH") : null,
      order.cancelled ? el("span", { class: "rush-flag" }, "CANCELLED") : null),
    el("div", { class: "order" }, orderLine(order)),
    el("div", { class: "meta" }, [order.server_name && `Server ${order.server_name}`, order.channel,
                                  expo ? stationName(t.station_id) : ""].filter(Boolean).join(" · ")),
    el("ul", { class: "items" }, ...(t.items || []).map((item) => itemNode(t, item))),
    el("footer", {},
      t.state === "new" ? el("button", { dataAction: "start", type: "button" }, "Start") : null,
      el("button", { dataAction: "rush", type: "button", class: "ghost" }, t.rush ? "Unrush" : "Rush"),
      el("button", { dataAction: "bump", type: "button", class: "bump" }, expo ? "Bump order" : "Bump")));
  return node;
}

function render() {
  const list = ordered();
  if (state.selected && !state.tickets.has(state.selected)) state.selected = null;
  $("#tickets").replaceChildren(...list.map(ticketNode));
  renderAllDay(list);
}

// Outstanding items on this screen, by name and modifiers (the station's all-day count).
function renderAllDay(list) {
  const counts = new Map();
  for (const { ticket } of list) {
    for (const item of ticket.items || []) {
      if (item.state === "done" || item.state === "voided") continue;
      const mods = (item.modifiers || []).map((m) => m.name).join(", ");
      const key = mods ? `${item.name} (${mods})` : item.name;
      counts.set(key, (counts.get(key) || 0) + item.quantity);
    }
  }
  const rows = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  $("#allday").replaceChildren(...rows.map(([name, n]) => el("li", {}, el("b", {}, String(n)), " ", name)));
}

// Timers tick every second without rebuilding the grid (a rebuild would steal focus from a tap).
setInterval(() => {
  $("#clock").textContent = new Date().toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  for (const node of document.querySelectorAll(".ticket")) {
    const entry = state.tickets.get(node.dataset.ticketId);
    if (!entry) continue;
    node.querySelector("[data-role=timer]").textContent = `${clock(elapsedOf(entry))} / ${clock(entry.ticket.target_seconds)}`;
    const level = ageLevel(entry);
    if (node.dataset.age !== level) {
      node.classList.remove(`age-${node.dataset.age}`);
      node.classList.add(`age-${level}`);
      node.dataset.age = level;
    }
  }
}, 1000);

// ---------------------------------------------------------------- actions (touch, keyboard, bump bar)
async function act(ticketId, action, lineId) {
  const path = lineId ? `${KITCHEN}/tickets/${ticketId}/items/${lineId}:bump` : `${KITCHEN}/tickets/${ticketId}:${action}`;
  try {
    const ticket = await api(path, { method: "POST", body: action === "rush" ? JSON.stringify({ rush: !state.tickets.get(ticketId)?.ticket.rush }) : "{}" });
    if (action === "bump" && !lineId) { state.bumped.push(ticketId); state.bumped = state.bumped.slice(-20); }
    if (ticket && ticket.ticket_id) { upsert(ticket); scheduleRender(); }   // the stream says the same a moment later
  } catch (error) {
    toast(`${action}: ${error.message}`);
  }
}

function recallLast() {
  const ticketId = state.bumped.pop();
  if (ticketId) act(ticketId, "recall"); else toast("Nothing to recall");
}

$("#recall").addEventListener("click", recallLast);

$("#tickets").addEventListener("click", (event) => {
  const ticketNodeEl = event.target.closest(".ticket");
  if (!ticketNodeEl) return;
  const ticketId = ticketNodeEl.dataset.ticketId;
  const control = event.target.closest("[data-action]");
  state.selected = ticketId;
  if (control && control.dataset.action === "bump-item") act(ticketId, "bump-item", control.dataset.lineId);
  else if (control) act(ticketId, control.dataset.action);
  scheduleRender();
});

document.addEventListener("keydown", (event) => {
  if ($("#board").hidden || event.target.matches("input, select, textarea") || event.ctrlKey || event.metaKey || event.altKey) return;
  const list = ordered();
  const at = list.findIndex((e) => e.ticket.ticket_id === state.selected);
  const key = event.key.toLowerCase();
  if (/^[1-9]$/.test(key)) {
    const entry = list[Number(key) - 1];
    if (entry) state.selected = entry.ticket.ticket_id;
  } else if (key === "arrowright" || key === "arrowleft") {
    const next = list[Math.max(0, Math.min(list.length - 1, at + (key === "arrowright" ? 1 : -1)))];
    if (next) state.selected = next.ticket.ticket_id;
  } else if ((key === "enter" || key === "b") && state.selected) {
    act(state.selected, "bump");
  } else if (key === "s" && state.selected) {
    act(state.selected, "start");
  } else if (key === "r") {
    recallLast();
  } else {
    return;
  }
  event.preventDefault();
  scheduleRender();
});

// ---------------------------------------------------------------- start
(async function start() {
  setConn("idle");
  if (!session.refresh) { show("login"); return; }
  try {
    await refreshTokens();             // a reload: a fresh access token (and its refresh timer)
    const saved = JSON.parse(sessionStorage.getItem("kds.screen") || "null");
    if (saved) await openBoard(saved); else await openSetup();
  } catch (_) {
    show("login");
  }
})();
