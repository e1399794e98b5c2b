// Server-Sent Events over fetch(): EventSource cannot send an Authorization header, and the token must
// never travel in a URL (URLs get logged). Parses the text/event-stream format (WHATWG HTML, 9.2.6):
// lines end with CRLF, LF or CR; "field: value"; a blank line dispatches; ":" starts a comment.
"use strict";

// Reads `body` (a ReadableStream of bytes) until it ends (or its fetch is aborted); calls
// onEvent({type, data, id}) for each event and onBytes() for anything received (heartbeats included).
// A block with an id but no data moves the position all the same (as EventSource's lastEventId does):
// it comes out as {type: "id", data: "", id}.
async function readEventStream(body, onEvent, onBytes) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  let type = "", data = [], id = null;
  const dispatch = () => {
    if (data.length) onEvent({ type: type || "message", data: data.join("\n"), id });
    else if (id !== null) onEvent({ type: "id", data: "", id });
    type = ""; data = []; id = null;
  };
  const line = (text) => {
    if (text === "") return dispatch();
    if (text.startsWith(":")) return;              // a comment: the server's heartbeat
    const colon = text.indexOf(":");
    const field = colon < 0 ? text : text.slice(0, colon);
    let value = colon < 0 ? "" : text.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") type = value;
    else if (field === "data") data.push(value);
    else if (field === "id" && !value.includes("\0")) id = value;
  };
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    onBytes();
    buffer += value;
    let cut;
    while ((cut = buffer.search(/\r\n|\n|\r/)) >= 0) {
      // A CR at the very end may be the first half of a CRLF still in flight: wait for more.
      if (buffer[cut] === "\r" && cut === buffer.length - 1) break;
      const width = buffer.startsWith("\r\n", cut) ? 2 : 1;
      line(buffer.slice(0, cut));
      buffer = buffer.slice(cut + width);
    }
  }
}

window.readEventStream = readEventStream;
