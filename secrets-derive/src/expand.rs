//! Code generation: the `Secrets` impl for a model with no errors, or the fallback when there
//! were. Generated code names everything by absolute path and its locals start with `__`,
//! so no name in the user's scope can change its meaning.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::DeriveInput;
use syn::ext::IdentExt;
use syn::spanned::Spanned;

use crate::ast::{Field, Input, Load};
use crate::ctxt::Ctxt;
use crate::{check, fallback};

pub fn derive(node: &DeriveInput) -> TokenStream {
    let cx = Ctxt::new();
    let input = Input::from_syn(&cx, node);
    check::check(&cx, &input);
    match cx.check() {
        Ok(()) => expand(&input),
        Err(errors) => fallback::expand(node, &input, &errors),
    }
}

fn expand(input: &Input) -> TokenStream {
    let krate = &input.krate;
    let private = quote!(#krate::__private);
    let ident = input.ident;
    let name = ident.unraw().to_string();
    let specs = input.fields.iter().map(|field| field_spec(input, field));
    let vars: Vec<_> = (0..input.fields.len())
        .map(|i| format_ident!("__field{}", i))
        .collect();
    // In declaration order: the runtime hands out the loaded slots in the order of `fields`.
    let takes = input.fields.iter().zip(&vars).map(|(field, var)| {
        let ty = field.ty;
        // The call is spanned on the type, so an unsupported type is reported on the user's
        // field. The locals are not: a span carries the hygiene of its tokens, and a type
        // passed into a `macro_rules!` as `tt` would not see `__loaded`.
        let take = match (&field.load, &field.list) {
            (Load::Source(_), None) => {
                quote_spanned!(ty.span()=> #private::Loaded::take::<#ty, _>)
            }
            (Load::Source(_), Some(list)) => {
                // Spanned on the item type, which is what must convert.
                let item = list.item;
                let take = if list.optional {
                    quote_spanned!(item.span()=> #private::Loaded::take_optional_list::<#item, _>)
                } else {
                    quote_spanned!(item.span()=> #private::Loaded::take_list::<#item, _>)
                };
                let separator = &list.separator;
                return quote!(let #var = #take(__loaded, #separator););
            }
            (Load::Nested { .. }, _) => {
                quote_spanned!(ty.span()=> #private::Loaded::nested::<#ty>)
            }
        };
        quote!(let #var = #take(__loaded);)
    });
    let idents = input.fields.iter().map(|field| field.ident);
    quote! {
        #[automatically_derived]
        impl #krate::Secrets for #ident {
            #[doc(hidden)]
            const __SPEC: &'static #private::StructSpec = &#private::StructSpec {
                name: #name,
                fields: &[#(#specs),*],
            };

            #[doc(hidden)]
            fn __assemble(__loaded: &mut #private::Loaded) -> ::core::option::Option<Self> {
                #(#takes)*
                // One match over all fields builds the struct with no `unwrap`, so the
                // generated code has no panic path. (`_` is unreachable with no fields.)
                #[allow(unreachable_patterns)]
                match (#(#vars,)*) {
                    (#(::core::option::Option::Some(#vars),)*) => {
                        ::core::option::Option::Some(Self { #(#idents: #vars),* })
                    }
                    _ => ::core::option::Option::None,
                }
            }
        }
    }
}

/// `#private::FieldSpec { name: "...", load: ... }` of one field.
pub fn field_spec(input: &Input, field: &Field) -> TokenStream {
    let krate = &input.krate;
    let private = quote!(#krate::__private);
    let name = field.name();
    let load = match &field.load {
        Load::Source(source) => {
            let spec = &source.spec;
            quote!(#private::Load::Source(&#spec))
        }
        Load::Nested { prefix } => {
            let ty = field.ty;
            // Spanned on the type: a type that does not derive `Secrets` is reported there.
            let spec = quote_spanned!(ty.span()=> <#ty as #krate::Secrets>::__SPEC);
            quote!(#private::Load::Nested { prefix: #prefix, spec: #spec })
        }
    };
    quote!(#private::FieldSpec { name: #name, load: #load })
}
