// The curl commands equivalent to what the page sends, for a POSIX shell.

/** Quotes `text` for a POSIX shell: inside single quotes everything is literal except the quote itself. */
export function shellQuote(text) {
  return `'${String(text).replace(/'/g, "'\\''")}'`;
}

export function submitCommand(jobsUrl, body) {
  return `curl -s -X POST ${shellQuote(jobsUrl)} -H 'content-type: application/json' -d ${shellQuote(JSON.stringify(body))}`;
}

export function statusCommand(jobUrl) {
  return `curl -s ${shellQuote(jobUrl)}`;
}
