//! The flow's reads: organisations, members, documents, their history, content, signatures
//! and receipts — each checked as it is read (stream chains replayed, blobs against their
//! keys), none verifying signatures.

use super::*;

impl<S: FlowStore> Flow<S> {
    /// An organisation with its members, replayed from its journal stream.
    ///
    /// # Errors
    /// [`Refusal::UnknownOrganisation`] if it is not registered; [`FlowError::Integrity`] if
    /// its stream's chain is broken.
    pub async fn organisation(&self, inn: &str) -> Result<OrganisationState, FlowError> {
        let entries = self.load(&stream_of_organisation(inn)).await?;
        let mut state = None;
        for e in &entries {
            let event = e
                .event()
                .map_err(|err| FlowError::Corrupt(err.to_string()))?;
            state = Some(machine::apply_organisation(state, &event, e.seq)?);
        }
        state.ok_or_else(|| Refusal::UnknownOrganisation(inn.into()).into())
    }

    /// Every registered organisation, as listed (a projection the audit checks).
    ///
    /// # Errors
    /// Store errors.
    pub async fn organisations(&self) -> Result<Vec<Organisation>, FlowError> {
        Ok(self.store.organisations().await?)
    }

    /// Members as listed, of one organisation (INN) or of all (a projection the audit checks).
    ///
    /// # Errors
    /// Store errors.
    pub async fn members(&self, organisation: Option<&str>) -> Result<Vec<MemberRow>, FlowError> {
        Ok(self.store.members(organisation).await?)
    }

    /// A document as its journal left it.
    ///
    /// # Errors
    /// [`FlowError::NotFound`] for an unknown id; [`FlowError::Integrity`] if its stream's
    /// chain is broken; [`FlowError::Corrupt`] if it does not replay.
    pub async fn document(&self, id: &str) -> Result<DocumentState, FlowError> {
        let entries = self.load(&stream_of_document(id)).await?;
        replay(&entries)?.ok_or_else(|| FlowError::NotFound {
            what: "document",
            id: id.into(),
        })
    }

    /// The journal entries of a document, in order, with its chain checked.
    ///
    /// # Errors
    /// Store errors, [`FlowError::Integrity`].
    pub async fn history(&self, id: &str) -> Result<Vec<JournalEntry>, FlowError> {
        self.load(&stream_of_document(id)).await
    }

    /// A version's content, checked against its SHA-256 key, its Streebog-256 hash and size.
    ///
    /// # Errors
    /// [`FlowError::NotFound`] for a missing version; [`FlowError::Integrity`] for a missing
    /// or altered blob.
    pub async fn content(&self, doc: &DocumentState, version: u32) -> Result<Vec<u8>, FlowError> {
        let v = doc.version(version).ok_or_else(|| FlowError::NotFound {
            what: "version",
            id: format!("{} v{version}", doc.id),
        })?;
        let bytes = self.store.blob(&v.sha256).await?;
        verify_blob(
            &v.sha256,
            bytes,
            &format!("the content of {} version {version}", doc.id),
            Some(v),
        )
        .map_err(FlowError::Integrity)
    }

    /// A stored blob (content, signature, receipt or notice) by SHA-256 hex, checked against
    /// its key.
    ///
    /// # Errors
    /// [`FlowError::Integrity`] if it is missing or does not match its key.
    pub async fn blob(&self, sha256: &str) -> Result<Vec<u8>, FlowError> {
        let bytes = self.store.blob(sha256).await?;
        verify_blob(sha256, bytes, "a blob", None).map_err(FlowError::Integrity)
    }

    /// The detached CMS signature of `doc`'s last `step` on `version` (the sender's for
    /// [`SigningStep::Sent`], which the recipient co-signs; the receipt's signature for
    /// [`SigningStep::Accepted`]), checked against its key.
    ///
    /// # Errors
    /// [`FlowError::NotFound`] if the version has no such step; [`FlowError::Integrity`] if
    /// the blob is missing or altered.
    pub async fn signature(
        &self,
        doc: &DocumentState,
        step: SigningStep,
        version: u32,
    ) -> Result<Vec<u8>, FlowError> {
        let found = doc.step(step, version).ok_or_else(|| FlowError::NotFound {
            what: "signing step",
            id: format!("{step} of version {version} of {}", doc.id),
        })?;
        self.blob(&found.signature).await
    }

    /// The receipt the recipient signed when accepting `version` of `doc` (see [`receipt`]),
    /// checked against its key.
    ///
    /// # Errors
    /// [`FlowError::NotFound`] if the version was not accepted; [`FlowError::Integrity`] if
    /// the blob is missing or altered.
    pub async fn receipt(&self, doc: &DocumentState, version: u32) -> Result<Vec<u8>, FlowError> {
        let key = doc
            .step(SigningStep::Accepted, version)
            .and_then(|s| s.receipt.as_deref())
            .ok_or_else(|| FlowError::NotFound {
                what: "receipt",
                id: format!("of version {version} of {}", doc.id),
            })?;
        self.blob(key).await
    }

    /// Documents matching `filter`, as listed (a projection the audit checks).
    ///
    /// # Errors
    /// Store errors.
    pub async fn list(&self, filter: &DocumentFilter) -> Result<Vec<DocumentSummary>, FlowError> {
        Ok(self.store.list(filter).await?)
    }
}
