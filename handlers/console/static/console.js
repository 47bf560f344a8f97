// Mlango console: a USSD and voice phone simulator over the gateway's
// real routes (through /console/api/…, which dispatches Africa's Talking
// form bodies in-process), and the live event feed (server-sent events).
"use strict";

const $ = (id) => document.getElementById(id);

async function api(path, body) {
  const resp = await fetch("/console/api/" + path, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  const out = await resp.json();
  if (!resp.ok) throw new Error(out.error || "HTTP " + resp.status);
  return out;
}

function randomId(prefix) {
  const b = new Uint8Array(8);
  crypto.getRandomValues(b);
  return prefix + Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

function el(tag, props, ...children) {
  const e = document.createElement(tag);
  Object.assign(e, props || {});
  for (const c of children) e.append(c);
  return e;
}

// ---- tabs

for (const tab of document.querySelectorAll(".tab")) {
  tab.addEventListener("click", () => {
    for (const t of document.querySelectorAll(".tab")) {
      const on = t === tab;
      t.classList.toggle("active", on);
      t.setAttribute("aria-selected", on);
      $(t.dataset.panel).hidden = !on;
    }
  });
}

// ---- USSD: one session as Africa's Talking runs it

const ussd = { session: null };

function ussdFields() {
  return { serviceCode: $("ussd-code").value.trim(), phoneNumber: $("ussd-phone").value.trim(), networkCode: $("ussd-network").value.trim() };
}

function ussdBusy(live) {
  $("ussd-input").disabled = $("ussd-send").disabled = !live;
  $("ussd-hangup").disabled = !live;
  $("ussd-dial").disabled = live;
}

function ussdLog(text, cls) {
  $("ussd-log").append(el("li", { textContent: text, className: cls || "" }));
}

async function ussdDial(ev) {
  ev.preventDefault();
  const f = ussdFields();
  ussd.session = { ...f, sessionId: randomId("ATUid_"), inputs: [], metadata: [], lastMeta: "", hops: 0, last: "", started: Date.now() };
  $("ussd-log").replaceChildren();
  $("ussd-session").textContent = "session " + ussd.session.sessionId + " · " + f.serviceCode + " · " + f.phoneNumber;
  ussdLog("dial " + f.serviceCode);
  await ussdHop();
}

async function ussdHop() {
  const s = ussd.session;
  s.hops++;
  let a;
  try {
    a = await api("ussd/hop", { sessionId: s.sessionId, serviceCode: s.serviceCode, phoneNumber: s.phoneNumber,
      networkCode: s.networkCode, text: s.inputs.join("*"), metadata: s.lastMeta });
  } catch (err) {
    return ussdFail("the console could not reach the gateway: " + err.message);
  }
  s.last = a.body;
  s.lastMeta = a.metadata || "";
  if (a.metadata) s.metadata.push(a.metadata);
  if (!a.kind) return ussdFail("HTTP " + a.status + ": " + a.body);
  const screen = $("ussd-screen");
  screen.className = "screen " + a.kind.toLowerCase();
  screen.textContent = a.screen;
  const status = $("ussd-status");
  status.replaceChildren(a.kind + " · ");
  const count = el("span", { textContent: a.length + "/" + a.budget, className: a.length > a.budget ? "over" : "" });
  status.append(count, " · " + a.encoding + (a.metadata ? " · screen " + a.metadata : ""));
  status.dataset.kind = a.kind;
  ussdLog(a.kind + " " + a.metadata + " (" + a.length + "/" + a.budget + ")");
  $("ussd-input").value = "";
  if (a.kind === "END") {
    ussdBusy(false);
    return ussdEnd("Success");
  }
  ussdBusy(true);
  $("ussd-input").focus();
}

async function ussdFail(msg) {
  const screen = $("ussd-screen");
  screen.className = "screen error";
  screen.textContent = msg;
  $("ussd-status").textContent = "";
  ussdBusy(false);
  await ussdEnd("Failed");
}

// ussdEnd sends AT's end-of-session report, as AT does when a session ends.
async function ussdEnd(status) {
  const s = ussd.session;
  if (!s || s.ended) return;
  s.ended = true;
  try {
    const a = await api("ussd/end", { sessionId: s.sessionId, serviceCode: s.serviceCode, phoneNumber: s.phoneNumber,
      networkCode: s.networkCode, date: new Date().toISOString().slice(0, 19).replace("T", " "), status,
      hopsCount: s.hops, durationInMillis: Date.now() - s.started, input: s.inputs.join("*"),
      lastAppResponse: s.last, hopsMetadata: s.metadata.join("|") });
    ussdLog("end-of-session report: " + status + " → " + a.status + " " + a.body.trim(), "report");
  } catch (err) {
    ussdLog("end-of-session report not sent: " + err.message, "report");
  }
}

async function ussdSend(ev) {
  ev.preventDefault();
  const input = $("ussd-input").value;
  ussd.session.inputs.push(input);
  ussdLog("> " + input);
  ussdBusy(false);
  $("ussd-hangup").disabled = false;
  await ussdHop();
}

async function ussdHangUp() {
  ussdBusy(false);
  $("ussd-screen").className = "screen idle";
  $("ussd-screen").textContent = "Hung up.";
  ussdLog("hung up");
  await ussdEnd("Incomplete");
}

$("ussd-dial-form").addEventListener("submit", ussdDial);
$("ussd-reply").addEventListener("submit", ussdSend);
$("ussd-hangup").addEventListener("click", ussdHangUp);

// ---- Voice: one inbound call, the answer's actions played as steps

const voice = { call: null };

function describe(a) {
  const attrs = Object.entries(a.attrs || {}).filter(([k]) => k !== "callbackUrl")
    .map(([k, v]) => k + " " + v).join(", ");
  let text = a.text ? ": " + a.text : "";
  if (a.prompt) text += " — " + a.prompt.tag + (a.prompt.text ? ": " + a.prompt.text : " " + ((a.prompt.attrs || {}).url || ""));
  return [a.tag + (attrs ? " (" + attrs + ")" : ""), text];
}

function voiceStep(a) {
  const [head, text] = describe(a);
  const li = el("li", {}, el("span", { className: "tag", textContent: head }), text);
  if (a.next) li.append(el("span", { className: "meta", textContent: " → " + a.next.split("?")[0] }));
  $("voice-steps").append(li);
}

function voiceNote(text) {
  $("voice-steps").append(el("li", { className: "callback", textContent: text }));
}

async function voicePost(path, digits) {
  const c = voice.call;
  c.callbacks++;
  voiceNote("→ POST " + (path || "/api/voice/instruct") + (digits ? " dtmfDigits=" + digits : ""));
  let a;
  try {
    a = await api("voice", { path, sessionId: c.sessionId, callerNumber: c.caller, destinationNumber: c.to, digits, active: true });
  } catch (err) {
    voiceNote("the console could not reach the gateway: " + err.message);
    return voiceEnd();
  }
  const details = el("details", {}, el("summary", { textContent: "← " + a.status + " voice XML" }), el("pre", { textContent: a.xml }));
  $("voice-steps").append(el("li", { className: "callback" }, details));
  if (a.status !== 200 || a.error) {
    voiceNote(a.error || "the gateway answered " + a.status);
    return voiceEnd();
  }
  c.current = a.path;
  c.queue = a.actions;
  await voicePlay();
}

// voicePlay shows actions until one needs the caller or leads elsewhere.
async function voicePlay() {
  const c = voice.call;
  while (c.queue.length) {
    const a = c.queue.shift();
    voiceStep(a);
    switch (a.tag) {
      case "GetDigits":
        c.waiting = a.next || c.current;
        $("voice-keypad").hidden = false;
        $("voice-digits").value = "";
        $("voice-digits").focus();
        $("voice-state").textContent = "waiting for digits";
        return;
      case "Redirect":
        return voicePost(a.next);
      case "Record":
        if (a.next || a.prompt) { voiceNote("(the caller says nothing)"); return voicePost(a.next || c.current); }
        return voiceEnd();
      case "Dial": case "Dequeue": case "Enqueue": case "Conference": case "Reject":
        voiceNote("(the simulator ends the call here)");
        return voiceEnd();
    }
    if (c.callbacks > 50) { voiceNote("(50 callbacks: the simulator hangs up)"); return voiceEnd(); }
  }
  voiceNote("(no more actions: the call ends)");
  await voiceEnd();
}

async function voiceEnd() {
  const c = voice.call;
  if (!c || c.ended) return;
  c.ended = true;
  $("voice-keypad").hidden = true;
  $("voice-call").disabled = false;
  $("voice-hangup").disabled = true;
  const seconds = Math.max(1, Math.round((Date.now() - c.started) / 1000));
  try {
    const a = await api("voice", { sessionId: c.sessionId, callerNumber: c.caller, destinationNumber: c.to, active: false, durationInSeconds: seconds });
    voiceNote("→ final notification isActive=0 · ← " + a.status);
  } catch (err) {
    voiceNote("final notification not sent: " + err.message);
  }
  $("voice-state").textContent = "call ended";
}

$("voice-call-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  voice.call = { sessionId: randomId("ATVId_"), caller: $("voice-caller").value.trim(), to: $("voice-to").value.trim(), callbacks: 0, started: Date.now(), queue: [] };
  $("voice-steps").replaceChildren();
  $("voice-call").disabled = true;
  $("voice-hangup").disabled = false;
  $("voice-state").textContent = "call " + voice.call.sessionId + " in progress";
  await voicePost("", "");
});

$("voice-keypad").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const d = $("voice-digits").value.trim();
  $("voice-keypad").hidden = true;
  if (!d) { voiceNote("(no input: next action)"); return voicePlay(); }
  await voicePost(voice.call.waiting, d);
});

$("voice-noinput").addEventListener("click", async () => {
  $("voice-keypad").hidden = true;
  voiceNote("(no input: next action)");
  await voicePlay();
});

$("voice-hangup").addEventListener("click", () => { voiceNote("(the caller hangs up)"); voiceEnd(); });

// ---- Live events

const feed = { providers: new Set(), types: new Set(), max: 500 };

function addOption(select, set, value) {
  if (!value || set.has(value)) return;
  set.add(value);
  const opts = [...set].sort();
  const keep = select.value;
  select.replaceChildren(el("option", { value: "", textContent: "all" }), ...opts.map((v) => el("option", { value: v, textContent: v })));
  select.value = keep;
}

function visible(li) {
  const p = $("filter-provider").value, t = $("filter-type").value;
  return (!p || li.dataset.provider === p) && (!t || li.dataset.type === t);
}

function applyFilters() {
  for (const li of $("feed").children) li.hidden = !visible(li);
}

function showEvent(msg) {
  const ev = msg.event || {};
  const provider = ev.provider || ev.source || "", type = ev.type || "";
  addOption($("filter-provider"), feed.providers, provider);
  addOption($("filter-type"), feed.types, type);
  const time = (ev.time || "").replace(/^.*T/, "").slice(0, 8); // HH:MM:SS, UTC
  const row = el("button", { type: "button", className: "row" },
    el("span", { className: "time", textContent: time }),
    el("span", { className: "provider", textContent: provider }),
    el("span", { className: "type", textContent: type }),
    el("span", { className: "subject", textContent: ev.subject || msg.subject }));
  const li = el("li", { className: "event" }, row);
  li.dataset.provider = provider;
  li.dataset.type = type;
  li.dataset.id = ev.id || "";
  row.addEventListener("click", () => {
    const open = li.querySelector("pre");
    if (open) return open.remove();
    li.append(el("pre", { className: "json", textContent: JSON.stringify(ev, null, 2) }));
  });
  li.hidden = !visible(li);
  const list = $("feed");
  list.prepend(li);
  while (list.children.length > feed.max) list.lastElementChild.remove();
}

function connectFeed() {
  const status = $("feed-status");
  const es = new EventSource("/console/api/events");
  es.addEventListener("ready", () => { status.textContent = "live"; status.classList.add("live"); });
  es.addEventListener("event", (m) => showEvent(JSON.parse(m.data)));
  es.addEventListener("error", () => { status.textContent = "reconnecting…"; status.classList.remove("live"); });
  window.addEventListener("pagehide", () => es.close());
}

$("filter-provider").addEventListener("change", applyFilters);
$("filter-type").addEventListener("change", applyFilters);
$("feed-clear").addEventListener("click", () => $("feed").replaceChildren());
connectFeed();
