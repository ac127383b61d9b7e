//! Name similarity: Jaro-Winkler per token, combined over token sets so
//! that word order does not matter and missing or extra words cost in
//! proportion to their length. The formulas are in docs/screening.md.

/// Jaro-Winkler similarity of two strings, in [0, 1], over Unicode scalar
/// values (prefix scale 0.1, prefix of at most 4).
pub fn jaro_winkler(a: &str, b: &str) -> f64 {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    jaro_winkler_chars(&a, &b)
}

/// Jaro-Winkler over characters already split out, as the index keeps them.
pub(crate) fn jaro_winkler_chars(a: &[char], b: &[char]) -> f64 {
    if a == b {
        return 1.0;
    }
    let jaro = jaro_chars(a, b);
    let prefix = a.iter().zip(b).take(4).take_while(|(x, y)| x == y).count();
    jaro + prefix as f64 * 0.1 * (1.0 - jaro)
}

/// Longest tokens whose match flags live on the stack; longer ones (rare:
/// run-together entity names) use the heap.
const STACK_FLAGS: usize = 64;

fn jaro_chars(a: &[char], b: &[char]) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let window = (a.len().max(b.len()) / 2).saturating_sub(1);
    let mut a_stack = [false; STACK_FLAGS];
    let mut b_stack = [false; STACK_FLAGS];
    let mut a_heap = Vec::new();
    let mut b_heap = Vec::new();
    let a_matched = flags(&mut a_stack, &mut a_heap, a.len());
    let b_matched = flags(&mut b_stack, &mut b_heap, b.len());

    let mut matches = 0usize;
    for (i, ch) in a.iter().enumerate() {
        let start = i.saturating_sub(window);
        let end = (i + window + 1).min(b.len());
        for j in start..end {
            if !b_matched[j] && b[j] == *ch {
                a_matched[i] = true;
                b_matched[j] = true;
                matches += 1;
                break;
            }
        }
    }
    if matches == 0 {
        return 0.0;
    }

    let mut half_transpositions = 0usize;
    let mut b_matched_chars = b.iter().zip(b_matched.iter()).filter(|(_, m)| **m);
    for (ch, _) in a.iter().zip(a_matched.iter()).filter(|(_, m)| **m) {
        if let Some((other, _)) = b_matched_chars.next()
            && ch != other
        {
            half_transpositions += 1;
        }
    }
    let m = matches as f64;
    let transpositions = (half_transpositions / 2) as f64;
    (m / a.len() as f64 + m / b.len() as f64 + (m - transpositions) / m) / 3.0
}

fn flags<'a>(
    stack: &'a mut [bool; STACK_FLAGS],
    heap: &'a mut Vec<bool>,
    len: usize,
) -> &'a mut [bool] {
    if len <= STACK_FLAGS {
        &mut stack[..len]
    } else {
        heap.resize(len, false);
        heap
    }
}

/// Token-set similarity of two token lists, in [0, 1], independent of the
/// order of either list.
///
/// Query and entry tokens are paired one-to-one, greedily by descending
/// Jaro-Winkler; a pair contributes its similarity weighted by the two
/// tokens' lengths, and an unpaired token on either side contributes
/// nothing but still counts in the total weight:
/// `Σ jw(q, e)·(|q| + |e|) / (Σ|q| + Σ|e|)`.
pub fn token_set_score(query: &[String], entry: &[String]) -> f64 {
    let query: Vec<Vec<char>> = query.iter().map(|t| t.chars().collect()).collect();
    let entry: Vec<Vec<char>> = entry.iter().map(|t| t.chars().collect()).collect();
    token_set_score_chars(&query, &entry, &mut PairingScratch::default())
}

/// Buffers reused from one scored name to the next, so screening against
/// thousands of candidates does not allocate for each.
#[derive(Default)]
pub(crate) struct PairingScratch {
    pairs: Vec<(f64, usize, usize)>,
    query_paired: Vec<bool>,
    entry_paired: Vec<bool>,
}

/// [`token_set_score`] over tokens already split into characters.
pub(crate) fn token_set_score_chars<Q: AsRef<[char]>, E: AsRef<[char]>>(
    query: &[Q],
    entry: &[E],
    scratch: &mut PairingScratch,
) -> f64 {
    let total_weight: usize = query.iter().map(|t| t.as_ref().len()).sum::<usize>()
        + entry.iter().map(|t| t.as_ref().len()).sum::<usize>();
    if total_weight == 0 {
        return 0.0;
    }
    let PairingScratch {
        pairs,
        query_paired,
        entry_paired,
    } = scratch;
    pairs.clear();
    for (qi, q) in query.iter().enumerate() {
        for (ei, e) in entry.iter().enumerate() {
            let similarity = jaro_winkler_chars(q.as_ref(), e.as_ref());
            if similarity > 0.0 {
                pairs.push((similarity, qi, ei));
            }
        }
    }
    // Highest similarity first; ties broken by the tokens themselves, never
    // by their positions, so that reordering a name cannot change the pairing.
    pairs.sort_by(|x, y| {
        y.0.total_cmp(&x.0)
            .then_with(|| query[x.1].as_ref().cmp(query[y.1].as_ref()))
            .then_with(|| entry[x.2].as_ref().cmp(entry[y.2].as_ref()))
    });
    query_paired.clear();
    query_paired.resize(query.len(), false);
    entry_paired.clear();
    entry_paired.resize(entry.len(), false);
    let mut matched_weight = 0.0;
    for &(similarity, qi, ei) in pairs.iter() {
        if query_paired[qi] || entry_paired[ei] {
            continue;
        }
        query_paired[qi] = true;
        entry_paired[ei] = true;
        let weight = query[qi].as_ref().len() + entry[ei].as_ref().len();
        matched_weight += similarity * weight as f64;
    }
    (matched_weight / total_weight as f64).min(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_tokens_score_zero() {
        assert_eq!(jaro_winkler("", "abc"), 0.0);
        assert_eq!(token_set_score(&[], &[]), 0.0);
    }

    #[test]
    fn long_tokens_use_the_heap_flags() {
        let long = "a".repeat(100);
        assert_eq!(jaro_winkler(&long, &long), 1.0);
        assert!(jaro_winkler(&long, &"a".repeat(99)) > 0.99);
    }
}
