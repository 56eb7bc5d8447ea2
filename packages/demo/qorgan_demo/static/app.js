// Qorgan demo page: polls /api/state, draws the chats of the chosen persona, and sends what
// the person does to /api/*. Every text from the bot or a user is put into the page as DOM
// text nodes built from Telegram's entities, never parsed as HTML.
"use strict";

const POLL_MS = 500;
const MAX_PHOTO_BYTES = 10 * 1024 * 1024;
const SAFE_PROTOCOLS = ["http:", "https:", "mailto:", "tel:", "tg:"];

const S = {
  config: null,
  lang: "kk",
  persona: null,
  chat: "private",
  version: null,
  generation: null,
  data: null,
  replyTo: null, // {id, text} chosen by hand
  dismissedPrompt: null, // ForceReply prompt the person closed
  noticeSeq: {}, // persona -> last callback answer shown
  lastSeen: {}, // "persona/chat" -> newest message id seen
  offline: false,
  stick: true, // the message list follows the newest message
  timer: null,
  fetching: false,
  again: false,
};

const $ = (id) => document.getElementById(id);

function t(key, values) {
  const texts = S.config ? S.config.texts[S.lang] : {};
  let text = texts[key] || key;
  for (const [name, value] of Object.entries(values || {})) {
    text = text.split("{" + name + "}").join(String(value));
  }
  return text;
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
}

// -- start ------------------------------------------------------------------------------

async function start() {
  const response = await fetch("/api/config");
  S.config = await response.json();
  $("database-path").textContent = S.config.database;
  const saved = localStorage.getItem("qorgan-demo-lang");
  S.lang = S.config.languages.includes(saved) ? saved : browserLanguage();
  S.persona = localStorage.getItem("qorgan-demo-persona") || S.config.personas[0].key;
  if (!S.config.personas.some((p) => p.key === S.persona)) S.persona = S.config.personas[0].key;
  bindControls();
  applyLanguage();
  renderPersonas();
  refresh();
}

function browserLanguage() {
  for (const code of navigator.languages || [navigator.language || ""]) {
    const base = code.toLowerCase().split("-")[0];
    if (base === "kk" || base === "ru") return base;
  }
  return "kk";
}

function bindControls() {
  $("language").addEventListener("change", (event) => {
    S.lang = event.target.value;
    localStorage.setItem("qorgan-demo-lang", S.lang);
    applyLanguage();
    renderPersonas();
    render();
  });
  $("reset").addEventListener("click", resetDemo);
  $("input-form").addEventListener("submit", (event) => {
    event.preventDefault();
    sendText($("text").value);
  });
  $("text").addEventListener("input", showCommandHints);
  $("menu-button").addEventListener("click", () => toggleCommands());
  $("start-button").addEventListener("click", () => sendText("/start"));
  $("photo-input").addEventListener("change", sendPhoto);
  $("location-button").addEventListener("click", () => toggleLocation(true));
  $("location-back").addEventListener("click", () => toggleLocation(false));
  $("location-form").addEventListener("submit", sendLocation);
  for (const button of document.querySelectorAll("[data-city]")) {
    button.addEventListener("click", () => {
      const [lat, lon] = button.dataset.city.split(",");
      $("latitude").value = lat;
      $("longitude").value = lon;
    });
  }
  $("reply-cancel").addEventListener("click", () => {
    const prompt = currentChat() && currentChat().force_reply;
    if (S.replyTo) S.replyTo = null;
    else if (prompt) S.dismissedPrompt = prompt.message_id;
    renderComposer();
  });
  $("alert-ok").addEventListener("click", () => { $("alert").hidden = true; });
  const box = $("messages");
  box.addEventListener("scroll", () => {
    S.stick = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
  });
  // Keyboards and forms below the list take room: stay on the newest message meanwhile.
  new ResizeObserver(() => { if (S.stick) box.scrollTop = box.scrollHeight; }).observe(box);
}

function applyLanguage() {
  document.documentElement.lang = S.lang;
  document.title = t("title");
  $("language").value = S.lang;
  for (const node of document.querySelectorAll("[data-text]")) node.textContent = t(node.dataset.text);
  for (const node of document.querySelectorAll("[data-title]")) {
    node.title = t(node.dataset.title);
    node.setAttribute("aria-label", t(node.dataset.title));
  }
}

// -- polling ----------------------------------------------------------------------------

function refresh() {
  clearTimeout(S.timer);
  if (S.fetching) { S.again = true; return; }
  poll();
}

async function poll() {
  S.fetching = true;
  try {
    const asked = S.persona;
    const query = new URLSearchParams({ persona: asked });
    if (S.version) query.set("version", S.version);
    const response = await fetch("/api/state?" + query);
    if (!response.ok) throw new Error(response.statusText);
    const state = await response.json();
    setOffline(false);
    if (asked !== S.persona) S.again = true; // another persona was chosen meanwhile
    else if (state.changed) accept(state);
    else showStatus(state);
  } catch (error) {
    setOffline(true);
  } finally {
    S.fetching = false;
    const delay = S.again ? 0 : POLL_MS;
    S.again = false;
    S.timer = setTimeout(poll, delay);
  }
}

function accept(state) {
  if (state.generation !== S.generation) {
    // A fresh demo: forget what belonged to the old chats.
    S.generation = state.generation;
    S.lastSeen = {};
    S.noticeSeq = {};
    S.replyTo = null;
    S.dismissedPrompt = null;
  }
  S.version = state.ready ? state.version : null;
  S.data = state;
  showNotices(state.notices || []);
  render();
}

function setOffline(offline) {
  if (S.offline === offline) return;
  S.offline = offline;
  if (offline) S.version = null;
  showStatus(S.data);
}

function showStatus(state) {
  const status = $("status");
  let text = "";
  if (S.offline) text = t("offline");
  else if (state && !state.ready) text = t("resetting");
  else if (state && !state.bot_running) text = t("bot_stopped");
  status.textContent = text;
  status.hidden = !text;
}

function showNotices(notices) {
  const seen = S.noticeSeq[S.persona];
  const newest = notices.length ? notices[notices.length - 1].seq : -1;
  if (seen === undefined) { S.noticeSeq[S.persona] = newest; return; }
  const fresh = notices.filter((n) => n.seq > seen);
  S.noticeSeq[S.persona] = Math.max(seen, newest);
  for (const notice of fresh) {
    if (notice.alert) {
      $("alert-text").textContent = notice.text;
      $("alert").hidden = false;
      $("alert-ok").focus();
    } else {
      toast(notice.text);
    }
  }
}

let toastTimer = null;
function toast(text) {
  const node = $("toast");
  node.textContent = text;
  node.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { node.hidden = true; }, 2500);
}

// -- actions ----------------------------------------------------------------------------

async function post(path, body) {
  const isForm = body instanceof FormData;
  const headers = { "X-Qorgan-Demo": "1" };
  if (!isForm) headers["Content-Type"] = "application/json";
  try {
    const response = await fetch(path, {
      method: "POST", headers, body: isForm ? body : JSON.stringify(body),
    });
    if (!response.ok) {
      const problem = await response.json().catch(() => ({ error: response.statusText }));
      toast(t("error", { error: problem.error || response.status }));
      return false;
    }
    return true;
  } catch (error) {
    setOffline(true);
    return false;
  } finally {
    refresh();
  }
}

function who() {
  return { persona: S.persona, chat: S.chat };
}

async function sendText(raw) {
  const text = raw.trim();
  if (!text) return;
  const target = replyTarget();
  $("text").value = "";
  $("commands").hidden = true;
  S.replyTo = null;
  await post("/api/send", { ...who(), text, reply_to: target ? target.id : null });
}

function replyTarget() {
  if (S.replyTo) return S.replyTo;
  const chat = currentChat();
  const prompt = chat && chat.force_reply;
  if (prompt && prompt.message_id !== S.dismissedPrompt) return { id: prompt.message_id, text: prompt.text };
  return null;
}

async function sendPhoto(event) {
  const input = event.target;
  const file = input.files && input.files[0];
  input.value = "";
  if (!file) return;
  if (!file.type.startsWith("image/")) { toast(t("not_image")); return; }
  if (file.size > MAX_PHOTO_BYTES) { toast(t("photo_too_big")); return; }
  const form = new FormData();
  form.set("persona", S.persona);
  form.set("chat", S.chat);
  form.set("caption", $("text").value.trim());
  form.set("photo", file, file.name);
  $("text").value = "";
  await post("/api/photo", form);
}

async function sendLocation(event) {
  event.preventDefault();
  const latitude = Number($("latitude").value);
  const longitude = Number($("longitude").value);
  toggleLocation(false);
  await post("/api/location", { ...who(), latitude, longitude });
}

function toggleLocation(show) {
  $("location-form").hidden = !show;
  if (show) $("commands").hidden = true;
}

async function resetDemo() {
  if (!window.confirm(t("reset_confirm"))) return;
  $("busy-text").textContent = t("resetting");
  $("busy").hidden = false;
  try {
    await post("/api/reset", {});
  } finally {
    $("busy").hidden = true;
  }
}

// -- personas and chats -------------------------------------------------------------------

function persona() {
  return S.config.personas.find((p) => p.key === S.persona);
}

function renderPersonas() {
  const nav = $("personas");
  for (const node of nav.querySelectorAll(".persona")) node.remove();
  for (const p of S.config.personas) {
    const button = el("button", "persona");
    button.type = "button";
    button.dataset.persona = p.key;
    button.setAttribute("aria-pressed", String(p.key === S.persona));
    button.append(p.emoji + " " + t(p.label));
    button.append(el("small", null, p.first_name));
    if (p.owner) button.title = t("persona_moderator_hint");
    button.addEventListener("click", () => choosePersona(p.key));
    nav.append(button);
  }
}

function choosePersona(key) {
  if (key === S.persona) return;
  S.persona = key;
  localStorage.setItem("qorgan-demo-persona", key);
  S.chat = "private";
  S.version = null;
  S.data = null;
  S.replyTo = null;
  renderPersonas();
  render();
  refresh();
}

function chooseChat(kind) {
  S.chat = kind;
  S.replyTo = null;
  render();
  $("text").focus();
}

function currentChat() {
  if (!S.data || !S.data.chats) return null;
  return S.data.chats.find((c) => c.kind === S.chat) || S.data.chats[0] || null;
}

function chatTitle(kind) {
  return kind === "group" ? t("chat_moderators") : "Qorgan";
}

function chatSubtitle(kind) {
  return kind === "group" ? t("chat_moderators_subtitle") : t("chat_private_subtitle");
}

function renderChatList() {
  const list = $("chat-list");
  list.replaceChildren();
  const p = persona();
  for (const kind of p.chats) {
    const chat = S.data && S.data.chats ? S.data.chats.find((c) => c.kind === kind) : null;
    const button = el("button", "chat-entry");
    button.type = "button";
    button.dataset.chat = kind;
    button.setAttribute("aria-current", String(kind === S.chat));
    button.append(el("span", "avatar", kind === "group" ? "🛡" : "Q"));
    const text = el("span", "chat-entry-text");
    text.append(el("div", "chat-entry-title", chatTitle(kind)));
    text.append(el("div", "chat-entry-subtitle", chatSubtitle(kind)));
    button.append(text);
    const unread = chat ? unreadCount(chat) : 0;
    if (unread && kind !== S.chat) button.append(el("span", "badge", String(unread)));
    button.addEventListener("click", () => chooseChat(kind));
    list.append(button);
  }
}

function unreadCount(chat) {
  const seen = S.lastSeen[S.persona + "/" + chat.kind] || 0;
  return chat.messages.filter((m) => m.id > seen && !m.own).length;
}

// -- drawing ------------------------------------------------------------------------------

function render() {
  if (!S.config) return;
  showStatus(S.data);
  const chat = currentChat();
  if (chat) S.chat = chat.kind;
  $("chat-title").textContent = chatTitle(S.chat);
  $("chat-subtitle").textContent = chatSubtitle(S.chat);
  $("chat-avatar").textContent = S.chat === "group" ? "🛡" : "Q";
  if (S.data && S.data.chats) {
    for (const c of S.data.chats) {
      const key = S.persona + "/" + c.kind;
      const newest = c.messages.length ? c.messages[c.messages.length - 1].id : 0;
      if (c.kind === S.chat) S.lastSeen[key] = newest;
    }
  }
  renderChatList();
  renderMessages(chat);
  renderComposer();
}

function renderMessages(chat) {
  const box = $("messages");
  const atBottom = S.stick;
  const before = box.dataset.key;
  const key = S.persona + "/" + S.chat + "/" + (chat ? chat.messages.length : 0);
  box.replaceChildren();
  if (!chat) return;
  for (const message of chat.messages) box.append(renderMessage(message, chat));
  if (atBottom || before !== key) {
    box.scrollTop = box.scrollHeight;
    S.stick = true;
  }
  box.dataset.key = key;
}

function renderMessage(message, chat) {
  const node = el("div", "msg" + (message.own ? " own" : "") + (message.from_bot ? " bot" : ""));
  node.dataset.id = String(message.id);
  node.dataset.kind = message.kind;
  if (chat.kind === "group" && !message.own) node.append(el("div", "msg-sender", message.sender));
  if (message.reply_to) {
    const quote = el("div", "quote");
    quote.append(el("b", null, message.reply_to.sender));
    quote.append(document.createTextNode(message.reply_to.text || ""));
    node.append(quote);
  }
  if (message.photo) node.append(renderPhoto(message.photo));
  if (message.document) node.append(renderDocument(message.document));
  if (message.location) node.append(renderLocation(message.location));
  if (message.contact) node.append(el("div", "contact", "👤 " + message.contact.first_name + " " + message.contact.phone_number));
  if (message.poll) node.append(renderPoll(message, message.poll));
  if (message.unsupported) node.append(el("div", "unsupported", t("unsupported") + " (" + message.unsupported + ")"));
  if (message.text) {
    const text = el("div", "msg-text");
    renderEntities(text, message.text, message.entities);
    node.append(text);
  }
  const meta = el("div", "msg-meta");
  if (message.edited) meta.append(el("span", "edited", t("edited")));
  meta.append(document.createTextNode(clock(message.date)));
  node.append(meta);
  if (message.inline_keyboard.length) node.append(renderInlineKeyboard(message));
  const reply = el("button", "reply-action", "↩");
  reply.type = "button";
  reply.title = t("reply");
  reply.setAttribute("aria-label", t("reply"));
  reply.addEventListener("click", () => {
    S.replyTo = { id: message.id, text: message.text || message.kind };
    renderComposer();
    $("text").focus();
  });
  node.append(reply);
  return node;
}

function clock(seconds) {
  const date = new Date(seconds * 1000);
  return String(date.getHours()).padStart(2, "0") + ":" + String(date.getMinutes()).padStart(2, "0");
}

function fileUrl(fileId, download) {
  return "/api/file/" + encodeURIComponent(fileId) + (download ? "?download=1" : "");
}

function renderPhoto(photo) {
  const img = el("img", "msg-photo");
  img.src = fileUrl(photo.file_id, false);
  img.alt = t("photo");
  img.loading = "lazy";
  return img;
}

function renderDocument(doc) {
  const link = el("a", "document");
  link.href = fileUrl(doc.file_id, true);
  link.download = doc.file_name;
  link.append(el("span", "document-icon", "📄"));
  const text = el("span");
  text.append(el("div", "document-name", doc.file_name));
  const size = doc.size ? Math.max(1, Math.round(doc.size / 1024)) + " KB · " : "";
  text.append(el("div", "document-link", size + t("download")));
  link.append(text);
  return link;
}

function renderLocation(location) {
  const box = el("div", "location");
  box.append(el("span", "location-pin", "📍"));
  const text = el("div");
  text.append(el("div", null, t("location")));
  text.append(el("small", null, Number(location.latitude).toFixed(5) + ", " + Number(location.longitude).toFixed(5)));
  box.append(text);
  return box;
}

function renderInlineKeyboard(message) {
  const box = el("div", "ikb");
  message.inline_keyboard.forEach((row, r) => {
    const line = el("div", "ikb-row");
    row.forEach((button, c) => {
      if (button.action === "url") {
        const url = safeUrl(button.url);
        const link = el(url ? "a" : "span", null, button.text + " ↗");
        if (url) { link.href = url; link.target = "_blank"; link.rel = "noopener noreferrer"; }
        line.append(link);
        return;
      }
      const node = el("button", null, button.text);
      node.type = "button";
      node.disabled = button.action !== "callback";
      node.addEventListener("click", () => post("/api/press", { ...who(), message_id: message.id, row: r, column: c }));
      line.append(node);
    });
    box.append(line);
  });
  return box;
}

function renderPoll(message, poll) {
  const box = el("div", "poll");
  const question = el("div", "poll-question");
  renderEntities(question, poll.question, poll.question_entities);
  box.append(question);
  const kind = (poll.type === "quiz" ? "quiz_" : "poll_") + (poll.anonymous ? "anonymous" : "public");
  box.append(el("div", "poll-type", poll.closed ? t("poll_closed") : t(kind)));
  if (poll.can_vote && !poll.chosen) {
    poll.options.forEach((option, index) => {
      const button = el("button", "poll-option", option.text);
      button.type = "button";
      button.addEventListener("click", () => post("/api/vote", { ...who(), message_id: message.id, options: [index] }));
      box.append(button);
    });
  } else {
    const total = poll.total || 0;
    poll.options.forEach((option, index) => {
      const chosen = (poll.chosen || []).includes(index);
      const correct = (poll.correct || []).includes(index);
      let state = "";
      if (poll.correct && correct) state = "correct";
      else if (poll.correct && chosen) state = "wrong";
      else if (chosen) state = "chosen";
      const percent = total ? Math.round((100 * option.voters) / total) : 0;
      const line = el("div", "poll-result" + (state ? " " + state : ""));
      line.dataset.option = String(index);
      const top = el("div", "poll-result-line");
      top.append(el("span", "poll-percent", percent + "%"));
      if (state) top.append(el("span", "poll-mark " + state, state === "wrong" ? "✗" : "✓"));
      top.append(el("span", null, option.text));
      line.append(top);
      const bar = el("div", "poll-bar");
      bar.style.width = Math.max(percent, 1) + "%";
      line.append(bar);
      box.append(line);
    });
    if (poll.explanation) {
      const explanation = el("div", "poll-explanation");
      explanation.append("💡 ");
      const body = el("span");
      renderEntities(body, poll.explanation, poll.explanation_entities);
      explanation.append(body);
      box.append(explanation);
    }
  }
  box.append(el("div", "poll-footer", t("votes", { count: poll.total })));
  return box;
}

function renderComposer() {
  const chat = currentChat();
  const empty = !chat || chat.messages.length === 0;
  $("start-row").hidden = !(chat && empty && S.chat === "private");
  const target = replyTarget();
  $("reply-bar").hidden = !target;
  $("reply-text").textContent = target ? target.text : "";
  const prompt = chat && chat.force_reply;
  const keyboard = chat && chat.reply_keyboard;
  let placeholder = t("input_placeholder");
  if (prompt && prompt.placeholder && target && target.id === prompt.message_id) placeholder = prompt.placeholder;
  else if (keyboard && keyboard.placeholder) placeholder = keyboard.placeholder;
  $("text").placeholder = placeholder;
  $("menu-button").hidden = !(chat && chat.commands.length);
  renderReplyKeyboard(keyboard);
  if (!$("commands").hidden) renderCommands($("text").value.startsWith("/") ? $("text").value : "");
}

function renderReplyKeyboard(keyboard) {
  const box = $("reply-keyboard");
  box.replaceChildren();
  box.hidden = !keyboard;
  if (!keyboard) return;
  keyboard.rows.forEach((row, r) => {
    const line = el("div", "reply-keyboard-row");
    row.forEach((button, c) => {
      const node = el("button", null, button.text);
      node.type = "button";
      node.addEventListener("click", () => {
        if (button.request_location) toggleLocation(true);
        else post("/api/reply-button", { ...who(), row: r, column: c });
      });
      line.append(node);
    });
    box.append(line);
  });
}

function toggleCommands(show) {
  const box = $("commands");
  const visible = show === undefined ? box.hidden : show;
  box.hidden = !visible;
  if (visible) { renderCommands(""); $("location-form").hidden = true; }
}

function showCommandHints() {
  const value = $("text").value;
  if (value.startsWith("/") && !value.includes(" ")) {
    $("commands").hidden = false;
    renderCommands(value);
  } else if (value) {
    $("commands").hidden = true;
  }
}

function renderCommands(prefix) {
  const box = $("commands");
  box.replaceChildren();
  const chat = currentChat();
  const wanted = prefix.slice(1).toLowerCase();
  for (const command of chat ? chat.commands : []) {
    if (wanted && !command.command.startsWith(wanted)) continue;
    const item = el("button", "command-item");
    item.type = "button";
    item.append(el("b", null, "/" + command.command));
    item.append(el("span", null, command.description));
    item.addEventListener("click", () => sendText("/" + command.command));
    box.append(item);
  }
  if (!box.children.length) box.hidden = true;
}

// -- entities -------------------------------------------------------------------------------

function safeUrl(href) {
  try {
    const url = new URL(href, "https://invalid.invalid/");
    return SAFE_PROTOCOLS.includes(url.protocol) && !url.href.startsWith("https://invalid.invalid/") ? url.href : null;
  } catch (error) {
    return null;
  }
}

// Telegram's offsets count UTF-16 code units, as JavaScript string indexes do.
function renderEntities(parent, text, entities) {
  const valid = (entities || []).filter((e) => Number.isInteger(e.offset) && Number.isInteger(e.length) && e.length > 0);
  valid.sort((a, b) => a.offset - b.offset || b.length - a.length);
  build(parent, text, 0, text.length, valid);
}

function build(parent, text, start, end, entities) {
  let position = start;
  let i = 0;
  while (i < entities.length) {
    const entity = entities[i];
    const from = Math.max(entity.offset, position);
    const to = Math.min(entity.offset + entity.length, end);
    if (from >= to) { i += 1; continue; }
    if (from > position) parent.append(document.createTextNode(text.slice(position, from)));
    let j = i + 1;
    const inner = [];
    while (j < entities.length && entities[j].offset < to) { inner.push(entities[j]); j += 1; }
    const node = entityNode(entity, text.slice(entity.offset, entity.offset + entity.length));
    build(node, text, from, to, inner);
    parent.append(node);
    position = to;
    i = j;
  }
  if (position < end) parent.append(document.createTextNode(text.slice(position, end)));
}

function link(href) {
  const url = safeUrl(href);
  if (!url) return el("span", "link");
  const node = el("a");
  node.href = url;
  node.target = "_blank";
  node.rel = "noopener noreferrer";
  return node;
}

function entityNode(entity, covered) {
  switch (entity.type) {
    case "bold": return el("strong");
    case "italic": return el("em");
    case "underline": return el("u");
    case "strikethrough": return el("s");
    case "code": return el("code");
    case "pre": return el("pre");
    case "blockquote":
    case "expandable_blockquote": return el("blockquote");
    case "text_link": return link(entity.url);
    case "url": return link(/^[a-z][a-z0-9+.-]*:/i.test(covered) ? covered : "https://" + covered);
    case "email": return link("mailto:" + covered);
    case "phone_number": return link("tel:" + covered.replace(/[^0-9+]/g, ""));
    case "mention":
    case "text_mention": return el("span", "mention");
    case "hashtag":
    case "cashtag": return el("span", "hashtag");
    case "spoiler": {
      const node = el("span", "spoiler");
      node.addEventListener("click", () => node.classList.add("revealed"));
      return node;
    }
    case "bot_command": {
      const node = el("a", "command");
      node.href = "#";
      node.addEventListener("click", (event) => {
        event.preventDefault();
        sendText(covered.split("@")[0]);
      });
      return node;
    }
    default: return el("span");
  }
}

document.addEventListener("DOMContentLoaded", () => {
  start().catch(() => setOffline(true));
});
