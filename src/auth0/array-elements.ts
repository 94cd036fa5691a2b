/**
 * The elements of a JSON array arriving in pieces, each as its own text, for
 * JSON.parse: a scan of strings and brackets finds where each element ends,
 * and the parse of each element is the runtime's own. A tokenizer written in
 * JavaScript (@streamparser/json) built every value character by character:
 * replaying an array cost nearly twice replaying the same events as NDJSON.
 * Memory holds one element and one piece at most, whatever the array's size.
 */

const QUOTE = 34; // "
const BACKSLASH = 92;
const COMMA = 44;
const OPEN_BRACKET = 91; // [
const CLOSE_BRACKET = 93; // ]
const OPEN_BRACE = 123; // {
const CLOSE_BRACE = 125; // }

/** JSON's own whitespace, nothing else (a no-break space is not). */
function isJsonSpace(code: number): boolean {
  return code === 32 || code === 10 || code === 13 || code === 9;
}

type Expecting =
  | 'open' // the array's [
  | 'first' // an element or ]
  | 'element' // an element (after a comma)
  | 'inside' // the rest of the element that starts at #start
  | 'next' // a comma or ]
  | 'closed'; // nothing but whitespace

export class ArrayElements {
  /** Unread text: from the start of the element being read, or what is left after the last one. */
  #text = '';
  /** Where the scan of #text resumes. */
  #at = 0;
  /** Where the element being read starts in #text. */
  #start = 0;
  #expecting: Expecting = 'open';
  /** Open brackets and braces within the element. */
  #depth = 0;
  #inString = false;

  /** True once the closing ] has been read. */
  get closed(): boolean {
    return this.#expecting === 'closed';
  }

  /**
   * Reads `piece` and passes the text of every element it completes to `element`, in order;
   * throws on text that cannot be a JSON array (after passing the elements before it).
   */
  write(piece: string, element: (text: string) => void): void {
    const text = this.#text + piece;
    let at = this.#at;
    const end = text.length;
    while (at < end) {
      if (this.#expecting === 'inside') {
        if (this.#inString) {
          const quote = text.indexOf('"', at);
          if (quote < 0) {
            at = end;
            break;
          }
          let backslashes = 0;
          while (text.charCodeAt(quote - 1 - backslashes) === BACKSLASH) backslashes += 1;
          at = quote + 1;
          if (backslashes % 2 === 1) continue; // an escaped quote
          this.#inString = false;
          if (this.#depth === 0) this.#complete(text, at, element); // the element was a string
          continue;
        }
        const code = text.charCodeAt(at);
        if (code === QUOTE) this.#inString = true;
        else if (code === OPEN_BRACE || code === OPEN_BRACKET) this.#depth += 1;
        else if (code === CLOSE_BRACE || code === CLOSE_BRACKET) {
          if (this.#depth === 0) {
            this.#complete(text, at, element); // a number, true, false or null ends at the array's ]
            continue;
          }
          this.#depth -= 1;
          if (this.#depth === 0) {
            this.#complete(text, at + 1, element);
            at += 1;
            continue;
          }
        } else if (code === COMMA && this.#depth === 0) {
          this.#complete(text, at, element);
          continue;
        }
        at += 1;
        continue;
      }
      const code = text.charCodeAt(at);
      if (isJsonSpace(code)) {
        at += 1;
        continue;
      }
      switch (this.#expecting) {
        case 'open':
          if (code !== OPEN_BRACKET) throw new Error('expected [ at the start');
          this.#expecting = 'first';
          at += 1;
          break;
        case 'first':
        case 'element':
          if (code === CLOSE_BRACKET && this.#expecting === 'first') {
            this.#expecting = 'closed';
            at += 1;
            break;
          }
          if (code === COMMA || code === CLOSE_BRACKET) throw new Error(`expected an element, found '${String.fromCharCode(code)}'`);
          this.#expecting = 'inside';
          this.#start = at;
          this.#depth = 0;
          break;
        case 'next':
          if (code === COMMA) this.#expecting = 'element';
          else if (code === CLOSE_BRACKET) this.#expecting = 'closed';
          else throw new Error(`expected , or ] after an element, found '${String.fromCharCode(code)}'`);
          at += 1;
          break;
        case 'closed':
          throw new Error('text after the end of the array');
      }
    }
    // Keep only the element being read (the rest has been passed on).
    const keep = this.#expecting === 'inside' ? this.#start : at;
    this.#text = text.slice(keep);
    this.#at = at - keep;
    this.#start = 0;
  }

  #complete(text: string, end: number, element: (text: string) => void): void {
    this.#expecting = 'next';
    element(text.slice(this.#start, end));
  }
}
