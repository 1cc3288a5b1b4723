//! The BG/NBD fit behind p_alive: the lifetime value's when it made one, else reactivation's
//! own, with a note when it has none or ran to the edge of its parameters.

use crate::i18n::Note;
use crate::metrics::bgnbd::{self, Fit, Summary};

/// BG/NBD on every buyer: the lifetime-value figure's fit when it made one (the same model on
/// the same buyers), else its own; `None` with the reason in `notes`.
pub(super) fn fit_of(
    data: &[Summary],
    clv: Option<&crate::metrics::clv::Clv>,
    notes: &mut Vec<Note>,
) -> Option<Fit> {
    let fitted = match clv.and_then(|c| c.bgnbd) {
        Some(f) => Ok(f),
        None => bgnbd::fit(data),
    };
    match fitted {
        Ok(f) => {
            if let Some(edge) = f.params.edge() {
                notes.push(edge_note(&f.params, edge));
            }
            Some(f)
        }
        Err(e) => {
            notes.push(Note::new(
                format!("{e}; p_alive and expected purchases are left empty"),
                format!(
                    "{}; P(активен) и ожидаемые покупки не посчитаны",
                    e.russian()
                ),
            ));
            None
        }
    }
}

/// What a BG/NBD fit at the edge of its parameters means for p_alive, by the side that ran
/// there ([`bgnbd::Edge`]).
fn edge_note(p: &bgnbd::Params, edge: bgnbd::Edge) -> Note {
    let values = format!(
        "r = {:.3e}, α = {:.3e}, a = {:.3e}, b = {:.3e}",
        p.r, p.alpha, p.a, p.b
    );
    let (side, side_ru) = match edge {
        bgnbd::Edge::NoDropOut => (
            "the data show (almost) no client dropping out, so p_alive is near 1 for every buyer"
                .to_string(),
            "по данным (почти) никто из клиентов не уходит, поэтому P(активен) близка к 1 у всех"
                .to_string(),
        ),
        bgnbd::Edge::SameDropOut(chance) => (
            format!("every buyer has the same chance of stopping after a purchase ({chance:.1} %)"),
            format!(
                "у всех покупателей одна и та же вероятность уйти после покупки ({chance:.1} %)"
            ),
        ),
        bgnbd::Edge::Other => (
            "the data do not tell buyers apart on one side of the model".to_string(),
            "данные не различают покупателей по одной из сторон модели".to_string(),
        ),
    };
    Note::new(
        format!(
            "the BG/NBD fit ran to the edge of its parameters ({values}): {side}; read p_alive with care"
        ),
        format!(
            "модель BG/NBD упёрлась в край параметров ({values}): {side_ru}; читайте P(активен) осторожно"
        ),
    )
}
