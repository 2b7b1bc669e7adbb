// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import "./ConditionalTokens.sol";
import "./IERC1155Receiver.sol";
import "./PUSD.sol";

/// The collateral adapter for standard markets: outcome tokens are keyed to the legacy
/// collateral, the user is paid in pUSD. The user approves this adapter on the CTF once
/// (setApprovalForAll), then calls redeemPositions(pUSD, 0x0, conditionId, [1, 2]).
contract CtfCollateralAdapter is ERC1155Holder {
    event PayoutRedemption(
        address indexed redeemer,
        address indexed collateralToken,
        bytes32 indexed parentCollectionId,
        bytes32 conditionId,
        uint256[] indexSets,
        uint256 payout
    );

    ConditionalTokens public immutable ctf;
    ERC20 public immutable legacyCollateral;
    PUSD public immutable pusd;

    constructor(ConditionalTokens ctf_, PUSD pusd_) {
        ctf = ctf_;
        pusd = pusd_;
        legacyCollateral = pusd_.underlying();
        legacyCollateral.approve(address(pusd_), type(uint256).max);
    }

    function redeemPositions(
        address collateralToken,
        bytes32 parentCollectionId,
        bytes32 conditionId,
        uint256[] calldata indexSets
    ) external {
        require(collateralToken == address(pusd), "CtfCollateralAdapter: collateral must be pUSD");
        uint256[] memory ids = new uint256[](indexSets.length);
        uint256[] memory amounts = new uint256[](indexSets.length);
        for (uint256 i = 0; i < indexSets.length; i++) {
            ids[i] = ctf.getPositionId(
                address(legacyCollateral), ctf.getCollectionId(parentCollectionId, conditionId, indexSets[i])
            );
            amounts[i] = ctf.balanceOf(msg.sender, ids[i]);
        }
        ctf.safeBatchTransferFrom(msg.sender, address(this), ids, amounts, "");
        uint256 before = legacyCollateral.balanceOf(address(this));
        ctf.redeemPositions(address(legacyCollateral), parentCollectionId, conditionId, indexSets);
        uint256 payout = legacyCollateral.balanceOf(address(this)) - before;
        if (payout > 0) pusd.wrap(msg.sender, payout);
        emit PayoutRedemption(msg.sender, collateralToken, parentCollectionId, conditionId, indexSets, payout);
    }

    /// Merge a full set of legacy-keyed positions back into pUSD.
    function mergePositions(
        address collateralToken,
        bytes32 parentCollectionId,
        bytes32 conditionId,
        uint256[] calldata partition,
        uint256 amount
    ) external {
        require(collateralToken == address(pusd), "CtfCollateralAdapter: collateral must be pUSD");
        uint256[] memory ids = new uint256[](partition.length);
        uint256[] memory amounts = new uint256[](partition.length);
        for (uint256 i = 0; i < partition.length; i++) {
            ids[i] = ctf.getPositionId(
                address(legacyCollateral), ctf.getCollectionId(parentCollectionId, conditionId, partition[i])
            );
            amounts[i] = amount;
        }
        ctf.safeBatchTransferFrom(msg.sender, address(this), ids, amounts, "");
        ctf.mergePositions(address(legacyCollateral), parentCollectionId, conditionId, partition, amount);
        pusd.wrap(msg.sender, amount);
    }
}
