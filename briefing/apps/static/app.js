"use strict";
// Posts the form to /summarize and shows each article's headline bullet. Text goes in with textContent
// only: nothing from an article is ever parsed as HTML.
document.getElementById("form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const text = document.getElementById("text").value;
  const url = document.getElementById("url").value.trim();
  const status = document.getElementById("status");
  const result = document.getElementById("result");
  const button = document.getElementById("go");
  result.replaceChildren();
  if (!text.trim() && !url) {
    status.textContent = "Paste an article or give a link.";
    return;
  }
  status.textContent = "Summarizing…";
  button.disabled = true;
  try {
    const response = await fetch("/summarize", {
      method: "POST",
      headers: {"Content-Type": "application/json"},
      body: JSON.stringify(text.trim() ? {text: text} : {url: url}),
    });
    const data = await response.json();
    if (!response.ok) {
      status.textContent = typeof data.detail === "string" ? data.detail : "The request failed (" + response.status + ").";
      return;
    }
    for (const record of data) {
      const item = document.createElement("li");
      if (record.error) {  // one article of several failed: {"id": ..., "error": "one line"}
        const failed = document.createElement("em");
        failed.textContent = record.id + " was not summarized: " + record.error;
        item.append(failed);
        result.append(item);
        continue;
      }
      const headline = document.createElement("strong");
      headline.className = "headline";
      headline.textContent = record.headline;
      item.append(headline);
      const rest = record.summary.filter((s) => s !== record.headline).join(" ");
      if (rest) {
        const summary = document.createElement("span");
        summary.className = "summary";
        summary.textContent = rest;
        item.append(summary);
      }
      const source = document.createElement("em");
      source.textContent = " " + record.source + (record.truncated ? ", cut off" : "");
      item.append(document.createElement("br"), source);
      result.append(item);
    }
    status.textContent = data.length === 1 ? "" : data.length + " articles.";
  } catch (error) {
    status.textContent = "The server did not answer: " + error.message;
  } finally {
    button.disabled = false;
  }
});
