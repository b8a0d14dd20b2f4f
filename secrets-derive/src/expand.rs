//! Code generation: the `Secrets` impl for a clean model, or the fallback when there were
//! errors. Generated code names everything by absolute path and its locals start with `__`,
//! so no name in the user's scope can change its meaning.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::DeriveInput;
use syn::ext::IdentExt;
use syn::spanned::Spanned;

use crate::ast::{EnvVar, Field, Input, NameRef, Source};
use crate::ctxt::Ctxt;
use crate::{check, fallback};

pub fn derive(node: &DeriveInput) -> TokenStream {
    let cx = Ctxt::new();
    let input = Input::from_syn(&cx, node);
    if let Some(input) = &input {
        check::check(&cx, input);
    }
    match (cx.check(), input) {
        (Ok(()), Some(input)) => expand(&input),
        (Err(errors), input) => fallback::expand(node, input.as_ref().map(|i| &i.krate), &errors),
        // A model that failed to build always recorded why; this arm is never taken.
        (Ok(()), None) => fallback::expand(
            node,
            None,
            &syn::Error::new_spanned(node, "cannot derive Secrets"),
        ),
    }
}

fn expand(input: &Input) -> TokenStream {
    let krate = &input.krate;
    let private = quote!(#krate::__private);
    let ident = input.ident;
    let name = ident.unraw().to_string();
    let specs = input.fields.iter().map(|field| field_spec(&private, field));
    let vars: Vec<_> = (0..input.fields.len())
        .map(|i| format_ident!("__field{}", i))
        .collect();
    let takes = input
        .fields
        .iter()
        .zip(&vars)
        .enumerate()
        .map(|(index, (field, var))| {
            let ty = field.ty;
            // The call is spanned on the type, so an unsupported type is reported on the
            // user's field. The locals are not: a span carries the hygiene of its tokens, and
            // a type passed into a `macro_rules!` as `tt` would not see `__loaded`.
            let take = quote_spanned!(ty.span()=> #private::Loaded::take::<#ty, _>);
            quote!(let #var = #take(&mut __loaded, #index);)
        });
    let idents = input.fields.iter().map(|field| field.ident);
    quote! {
        #[automatically_derived]
        impl #krate::Secrets for #ident {
            fn load_from(
                __sources: &#krate::Sources,
            ) -> impl ::core::future::Future<
                Output = ::core::result::Result<Self, #krate::Error>,
            > + ::core::marker::Send + '_ {
                static __SPEC: #private::StructSpec = #private::StructSpec {
                    name: #name,
                    fields: &[#(#specs),*],
                };
                async move {
                    let mut __loaded = #private::fetch(__sources, &__SPEC).await;
                    #(#takes)*
                    // One match over all fields builds the struct with no `unwrap`, so the
                    // generated code has no panic path. (`_` is unreachable with no fields.)
                    #[allow(unreachable_patterns)]
                    match (#(#vars,)*) {
                        (#(::core::option::Option::Some(#vars),)*) => {
                            ::core::result::Result::Ok(Self { #(#idents: #vars),* })
                        }
                        _ => ::core::result::Result::Err(__loaded.into_error()),
                    }
                }
            }
        }
    }
}

fn field_spec(private: &TokenStream, field: &Field) -> TokenStream {
    let name = field.name();
    let source = match &field.source {
        Some(Source::Env { var, default }) => {
            let var = &var.name;
            let default = option(default.as_ref().map(|lit| quote!(#lit)));
            quote!(#private::SourceSpec::Env { var: #var, default: #default })
        }
        Some(Source::Kms { var, key }) => {
            let var = &var.name;
            let key = name_ref(private, key);
            quote!(#private::SourceSpec::Kms { var: #var, key: #key })
        }
        Some(Source::Gcs {
            bucket,
            object,
            key,
        }) => {
            let bucket = name_ref(private, bucket);
            let key = option(key.as_ref().map(|key| quote!(#key)));
            quote!(#private::SourceSpec::Gcs { bucket: #bucket, object: #object, key: #key })
        }
        // The check rejects fields without a source before expansion.
        None => unreachable!("field without a source passed the check"),
    };
    quote!(#private::FieldSpec { name: #name, source: #source })
}

fn name_ref(private: &TokenStream, name: &NameRef) -> TokenStream {
    match name {
        NameRef::Literal(literal) => quote!(#private::NameRef::Literal(#literal)),
        NameRef::Env(EnvVar { name, .. }) => quote!(#private::NameRef::Env(#name)),
    }
}

fn option(value: Option<TokenStream>) -> TokenStream {
    value.map_or_else(
        || quote!(::core::option::Option::None),
        |value| quote!(::core::option::Option::Some(#value)),
    )
}
