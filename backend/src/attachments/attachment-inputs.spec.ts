import { searchTerms } from './attachment-inputs.js';

describe('searchTerms', () => {
  it('keeps the words that tell passages apart: no common words, numbers kept, each once', () => {
    expect(searchTerms('Which part number is on page 137? The PART on page 7!')).toEqual([
      'part',
      'number',
      'page',
      '137',
      '7',
    ]);
  });

  it('reads words of any script and never passes tsquery syntax through', () => {
    expect(searchTerms("Où est la pièce n° 4? a & b | !c 'd'")).toEqual(['où', 'est', 'la', 'pièce', '4']);
  });

  it('gives nothing to search for a question without words', () => {
    expect(searchTerms('?! ...')).toEqual([]);
  });
});
