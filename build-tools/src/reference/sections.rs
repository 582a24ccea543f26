//! Reads a page's definitions on several threads. Both layouts read each part of the page
//! between two top-level sections (`.SH`) on its own: a section heading ends the definition
//! before it, and nothing read after it depends on what came before. So the block tree is
//! cut at the sections nearest to equal shares of its lines, each share is read (and
//! dropped) on its own thread, and the results are joined in page order, the same
//! definitions and warnings as one reading of the whole page.

use super::blocks::{Block, BlockKind};
use super::model::{Definition, Warning};

/// At most this many threads read one page (a page has a few dozen sections).
const MAX_THREADS: usize = 4;

/// Reads every definition of `tree` with `read` (a layout's `definitions`), in page order;
/// the warnings of every share are appended to `warnings`.
pub(super) fn read_definitions(
    tree: Vec<Block>,
    read: fn(&[Block], &mut Vec<Warning>) -> Vec<Definition>,
    warnings: &mut Vec<Warning>,
) -> Vec<Definition> {
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let mut shares = cut_at_sections(tree, threads.min(MAX_THREADS));
    let first = shares.remove(0);
    std::thread::scope(|scope| {
        let others: Vec<_> = shares
            .into_iter()
            .map(|share| {
                scope.spawn(move || {
                    let mut share_warnings = Vec::new();
                    let definitions = read(&share, &mut share_warnings);
                    (definitions, share_warnings)
                })
            })
            .collect();
        let mut definitions = read(&first, warnings);
        drop(first);
        for other in others {
            let (more, more_warnings) = other
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            definitions.extend(more);
            warnings.extend(more_warnings);
        }
        definitions
    })
}

/// Cuts `tree` into at most `count` consecutive shares, each starting (but the first) at a
/// top-level section heading, near equal shares of the page's lines. Always at least one
/// share.
fn cut_at_sections(mut tree: Vec<Block>, count: usize) -> Vec<Vec<Block>> {
    let last_line = tree.last().map_or(0, |block| block.line);
    let sections: Vec<usize> = tree
        .iter()
        .enumerate()
        .filter(|(_, block)| matches!(block.kind, BlockKind::Heading { level: 1, .. }))
        .map(|(index, _)| index)
        .collect();
    let mut cuts: Vec<usize> = (1..count)
        .filter_map(|share| {
            let wanted = last_line * share / count;
            sections
                .iter()
                .copied()
                .min_by_key(|&index| tree[index].line.abs_diff(wanted))
        })
        .filter(|&index| index > 0)
        .collect();
    cuts.dedup();
    let mut shares = Vec::with_capacity(cuts.len() + 1);
    for &cut in cuts.iter().rev() {
        shares.push(tree.split_off(cut));
    }
    shares.push(tree);
    shares.reverse();
    shares
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(line: usize, kind: BlockKind) -> Block {
        Block { line, kind }
    }

    fn section(line: usize) -> Block {
        block(
            line,
            BlockKind::Heading {
                level: 1,
                text: format!("S{line}"),
            },
        )
    }

    fn paragraph(line: usize) -> Block {
        block(line, BlockKind::Paragraph(format!("p{line}")))
    }

    fn first_lines(shares: &[Vec<Block>]) -> Vec<usize> {
        shares.iter().map(|share| share[0].line).collect()
    }

    #[test]
    fn shares_start_at_the_sections_nearest_equal_shares() {
        let tree: Vec<Block> = (0..100)
            .map(|i| {
                if i % 10 == 3 {
                    section(i)
                } else {
                    paragraph(i)
                }
            })
            .collect();
        let shares = cut_at_sections(tree.clone(), 2);
        assert_eq!(first_lines(&shares), vec![0, 53]);
        let shares = cut_at_sections(tree.clone(), 4);
        assert_eq!(first_lines(&shares), vec![0, 23, 53, 73]);
        assert_eq!(shares.concat(), tree, "nothing lost or reordered");
    }

    #[test]
    fn a_page_without_sections_or_blocks_is_one_share() {
        let tree: Vec<Block> = (0..10).map(paragraph).collect();
        assert_eq!(cut_at_sections(tree.clone(), 4), vec![tree]);
        assert_eq!(cut_at_sections(Vec::new(), 4), vec![Vec::<Block>::new()]);
    }

    #[test]
    fn a_section_at_the_top_is_no_cut() {
        let tree = vec![section(1), paragraph(2), paragraph(3)];
        assert_eq!(cut_at_sections(tree.clone(), 2), vec![tree]);
    }
}
