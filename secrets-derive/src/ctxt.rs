//! Collects every error of one derive so the user sees them all in one compile.

use std::cell::RefCell;
use std::fmt::Display;

use proc_macro2::Span;
use quote::ToTokens;

/// Proof that an error was recorded: what a step returns instead of a value it could not
/// build, so that leaving something out of the model always comes with a reason shown.
#[derive(Clone, Copy, Debug)]
pub struct Reported(());

/// Errors found so far. `check` must be called: dropping it unchecked is a bug in this crate,
/// caught in tests by the panic in `Drop` (as serde's `Ctxt` does).
pub struct Ctxt {
    errors: RefCell<Option<Vec<syn::Error>>>,
}

impl Ctxt {
    pub fn new() -> Self {
        Self {
            errors: RefCell::new(Some(Vec::new())),
        }
    }

    /// An error spanning the tokens of `node`.
    pub fn error_spanned_by(&self, node: impl ToTokens, message: impl Display) -> Reported {
        self.syn_error(syn::Error::new_spanned(node.into_token_stream(), message))
    }

    /// An error at `span`: for a value kept without its tokens, such as a literal's.
    pub fn error_at(&self, span: Span, message: impl Display) -> Reported {
        self.syn_error(syn::Error::new(span, message))
    }

    pub fn syn_error(&self, error: syn::Error) -> Reported {
        self.errors
            .borrow_mut()
            .as_mut()
            .expect("Ctxt used after check")
            .push(error);
        Reported(())
    }

    /// All errors, combined into one that expands to one `compile_error!` each.
    pub fn check(self) -> Result<(), syn::Error> {
        let errors = self.errors.borrow_mut().take().expect("Ctxt checked twice");
        let mut errors = errors.into_iter();
        let Some(mut combined) = errors.next() else {
            return Ok(());
        };
        for error in errors {
            combined.combine(error);
        }
        Err(combined)
    }
}

impl Drop for Ctxt {
    fn drop(&mut self) {
        assert!(
            std::thread::panicking() || self.errors.borrow().is_none(),
            "forgot to check for errors"
        );
    }
}
