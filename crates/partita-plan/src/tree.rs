//! The tree-walking vocabulary shared by plans and expressions: owning rewrites
//! that report whether anything changed.

/// The result of an owning rewrite: the (possibly new) value and whether it changed.
#[derive(Debug, Clone, PartialEq)]
pub struct Transformed<T> {
    /// The value after the rewrite.
    pub data: T,
    /// True when the rewrite changed something.
    pub transformed: bool,
}

impl<T> Transformed<T> {
    /// A changed value.
    pub fn yes(data: T) -> Self {
        Transformed {
            data,
            transformed: true,
        }
    }

    /// An unchanged value.
    pub fn no(data: T) -> Self {
        Transformed {
            data,
            transformed: false,
        }
    }

    /// Maps the value, keeping the flag.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Transformed<U> {
        Transformed {
            data: f(self.data),
            transformed: self.transformed,
        }
    }
}

/// Whether a top-down rewrite goes on into the children of the node it just
/// rewrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recursion {
    /// Visit the children next.
    Continue,
    /// Leave the children as they are.
    Jump,
}
