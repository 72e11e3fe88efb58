import { CST, Lexer } from 'yaml';

/** A 1-based line and column. */
export interface NestingViolation {
  line: number;
  column: number;
}

/**
 * Finds a token nested deeper than `maxDepth`, reading only the `yaml` lexer's tokens.
 *
 * The library's parser and composer take super-linear time on deep nesting (a million brackets, 2 MB,
 * take over ten seconds) and recurse until the stack overflows, which V8 has been seen to turn into a
 * fatal out-of-memory abort. The lexer is linear and does not recurse, so this runs first and stops at
 * the first violation.
 *
 * It computes a lower bound of the depth: flow collections are counted exactly, and block collections
 * by the columns of their indicators (`- `, `? `, a key's `:`) that are still open, which can undercount
 * only a sequence written at its parent key's column. A violation found here is therefore real, and a
 * document that passes is at most about twice as deep as allowed, which the library handles quickly;
 * the exact limit is enforced on the parsed tree.
 */
export function findExcessiveNesting(text: string, maxDepth: number): NestingViolation | undefined {
  const blockColumns: number[] = [];
  let flowDepth = 0;
  let line = 1;
  let column = 0;
  let atLineStart = true;
  // Start column of the node whose key a `:` may end, or -1 before the first token after an indicator.
  let nodeStart = -1;
  let afterBlockScalarHeader = false;
  // The lexer marks scalar text with a token of its own; the text itself comes next.
  let scalarText: 'plain' | 'block' | undefined;

  for (const lexeme of new Lexer().lex(text)) {
    const type = scalarText === undefined ? CST.tokenType(lexeme) : `${scalarText}-scalar-text`;
    scalarText = undefined;
    const start = column;
    const startLine = line;
    if (type !== 'doc-mode' && type !== 'scalar' && type !== 'flow-error-end') {
      const lastBreak = lexeme.lastIndexOf('\n');
      if (lastBreak === -1) {
        column += lexeme.length;
      } else {
        for (let i = lexeme.indexOf('\n'); i !== -1; i = lexeme.indexOf('\n', i + 1)) line++;
        column = lexeme.length - lastBreak - 1;
      }
    }

    switch (type) {
      case 'scalar':
        scalarText = afterBlockScalarHeader ? 'block' : 'plain';
        afterBlockScalarHeader = false;
        continue;
      case 'block-scalar-text':
        // The content lines of `|`/`>` start at column 0 but are no indentation; they end at a line end.
        atLineStart = true;
        nodeStart = -1;
        continue;
      case 'block-scalar-header':
        afterBlockScalarHeader = true;
        break;
      case 'newline':
        atLineStart = true;
        nodeStart = -1;
        continue;
      case 'space':
      case 'comment':
      case 'doc-mode':
      case 'flow-error-end':
      case 'byte-order-mark':
        continue;
      case 'doc-start':
      case 'doc-end':
        blockColumns.length = 0;
        flowDepth = 0;
        continue;
      default:
        break;
    }

    // Column where a collection opens with this token, if one does.
    let opens = -1;
    if (flowDepth === 0) {
      if (atLineStart) {
        // A line's indentation closes every block collection at or right of it.
        while (blockColumns.length > 0 && blockColumns[blockColumns.length - 1] >= start) blockColumns.pop();
        atLineStart = false;
      }
      if (type === 'seq-item-ind' || type === 'explicit-key-ind') {
        opens = start;
        blockColumns.push(opens);
        nodeStart = -1;
      } else if (type === 'map-value-ind') {
        opens = nodeStart === -1 ? start : nodeStart;
        blockColumns.push(opens);
        nodeStart = -1;
      } else if (nodeStart === -1) {
        nodeStart = start;
      }
    }
    if (type === 'flow-seq-start' || type === 'flow-map-start') {
      opens = start;
      flowDepth++;
    } else if ((type === 'flow-seq-end' || type === 'flow-map-end') && flowDepth > 0) {
      flowDepth--;
    }

    if (opens !== -1 && blockColumns.length + flowDepth > maxDepth) return { line: startLine, column: opens + 1 };
  }
  return undefined;
}
